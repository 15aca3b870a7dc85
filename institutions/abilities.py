"""What a principal may do to the register, beyond which rows it sees."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from org.abilities import (
    in_region,
    is_department_head,
    is_department_officer,
    is_institution_staff,
    is_region_admin,
    is_unrestricted,
)
from org.scope import scope_of


@rules.predicate
def _accepts_or_supervises(user: Any, target: Any) -> bool:
    """The department that accepts applications of the category (000 §3; under 001
    §4(2)4 the government-services office) or supervises it. `target` is `(region,
    category)`, a category alone (in the user's county), or None: any supervised
    category in the user's county."""
    from core.vocab import Phase, Step
    from policy.profile import active_profile

    scope = scope_of(user)
    profile = active_profile()
    if target is None:
        county, categories = scope.county_code, profile.supervised_categories
    elif isinstance(target, str):
        county, categories = scope.county_code, (target,)
    else:
        county = target[0].county_code
        categories = (target[1],) if target[1] else profile.supervised_categories
    for category in categories:
        cell = profile.cell(category, Phase.LICENSING, county)
        acceptor = cell.step_owner(Step.ACCEPTANCE) if cell else None
        if scope.department_type in {profile.supervisor_type(category),
                                     acceptor.owner_type if acceptor else None}:
            return True
    return False


@rules.predicate
def _owns_check(user: Any, owner_type: Any) -> bool:
    """The department the profile names for a staff check (000 §3: credentials by
    education, records by police); `owner_type` is that department type."""
    return bool(owner_type) and scope_of(user).department_type == owner_type


def load() -> None:
    #: Enter an institution: the admins, and the officers of the departments that accept
    #: or supervise its category (the profile check is the service's, per category).
    declare("institutions.register", is_unrestricted | in_region & (
        is_region_admin | is_department_officer & _accepts_or_supervises))
    #: Officers' decisions on an institution: gate conditions, lists, material review.
    declare("institutions.decide", is_region_admin | is_department_officer)
    #: Licence status (suspend, revoke, reinstate, terminate): heads and admins.
    declare("institutions.set_status", is_region_admin | is_department_head)
    #: The employment-ban register (002 §2(4)).
    declare("institutions.add_ban", is_region_admin)
    #: Import the existing register; institutions with a licence only by heads and admins.
    declare("institutions.import", is_region_admin | is_department_officer)
    declare("institutions.import_licensed", is_region_admin | is_department_head)
    #: A staff check, by the department that owns its step.
    declare("institutions.record_staff_check",
            is_unrestricted | (is_department_officer & _owns_check))
    #: Move every institution to the supervising department of the active profile.
    declare("institutions.follow_profile_supervisors", is_unrestricted)
    #: The police's notes on violation-record checks stay with the officers.
    declare("institutions.read_record_notes", ~is_institution_staff)
