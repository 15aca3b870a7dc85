"""What a principal may do to a complaint, beyond which rows it sees."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from org.abilities import (
    has_role,
    in_region,
    is_coordinator,
    is_department_head,
    is_department_officer,
    is_institution_staff,
    owns_department,
)
from org.models import Role
from org.scope import scope_of


@rules.predicate
def _handles(user: Any, complaint: Any) -> bool:
    """The user's department holds (or held) a task on the complaint's case."""
    scope = scope_of(user)
    if complaint is None or scope.department_id is None:
        return False
    annotated = getattr(complaint, "handled_by_me", None)  # selectors.office_list
    if annotated is not None:
        return bool(annotated)
    return complaint.case.tasks.filter(department_id=scope.department_id).exists()


@rules.predicate
def _about_own_institution(user: Any, complaint: Any) -> bool:
    """The complaint names the user's own institution (no object: any)."""
    if complaint is None:
        return True
    institution_id = scope_of(user).institution_id
    return institution_id is not None and complaint.case.institution_id == institution_id


is_discipline = has_role(Role.DISCIPLINE)


def load() -> None:
    #: Officers enter complaints taken by phone (12345, department lines), walk-ins,
    #: letters, e-mail and those forwarded from above (004 §6(2)4).
    declare("complaints.enter", is_coordinator | is_department_officer)
    #: The joint-meeting office and the admins dispatch, transfer and merge duplicates.
    declare("complaints.dispatch", is_coordinator & in_region)
    #: The lead department's officers verify, handle and reply (004 §6(2)2).
    declare("complaints.work", is_department_officer & owns_department)
    #: After an unsatisfied rating, the lead department's head reviews the handling.
    declare("complaints.review", is_department_head & owns_department)
    #: The complaints list of the office.
    declare("complaints.view_list", is_coordinator | is_discipline | is_department_officer)
    #: The analysis by the dimensions of 004 §6(2)1, for the monthly consultation.
    declare("complaints.analytics", is_coordinator | is_discipline | is_department_head)
    #: The complainant's identity: the handling departments and the coordinators only;
    #: masked for everyone else, never shown to the institution (issue 10 "Privacy").
    declare("complaints.see_identity", is_coordinator | _handles)
    #: An institution's staff read the complaints about it that the handling department
    #: asked them to explain, and answer (issue 10 "Privacy": never the complainant).
    declare("complaints.explain", is_institution_staff & _about_own_institution)
