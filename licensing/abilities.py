"""What a principal may do to a licensing application, beyond which rows it sees."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare, may
from org.abilities import has_target, is_department_head, is_institution_staff, owns_department
from org.scope import scope_of


@rules.predicate
def _own_institution(user: Any, institution: Any) -> bool:
    return institution is not None and scope_of(user).institution_id == institution.pk


@rules.predicate
def _enters_for(user: Any, institution: Any) -> bool:
    """An officer who may enter institutions of its category in its region enters a
    walk-in application for it."""
    target = (institution.region, institution.category) if institution is not None else None
    return may(user, "institutions.register", target)


def load() -> None:
    #: Apply (establish, re-license, change, terminate): the institution's own staff
    #: through the portal, or an officer entering a walk-in (000 §3; 001 §4(2)4).
    declare("licensing.apply", (is_institution_staff & _own_institution) | _enters_for)
    #: Through the portal: the institution's own staff.
    declare("licensing.apply_as_applicant", is_institution_staff & _own_institution)
    #: The conclusion, by the head of the approving department (001 §4(2)4; 000 §3).
    declare("licensing.conclude", is_department_head & owns_department & has_target)
