"""What a principal may do in the joint meeting and the campaigns, beyond which rows it
sees (the region rule of `governance.models.governance_scope_q`)."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from org.abilities import (
    has_role,
    in_region,
    is_coordinator,
    is_department_officer,
    owns_department,
)

is_discipline = has_role("discipline")
is_reader = is_coordinator | is_discipline | is_department_officer


@rules.predicate
def checks_entity(user: Any, entity: Any) -> bool:
    """The user's department holds a task of the screened entity's check case; no target
    passes."""
    from cases.models import Task
    from org.scope import scope_of

    if entity is None:
        return True
    department_id = scope_of(user).department_id
    return department_id is not None and entity.case_id is not None and Task.objects.filter(
        case_id=entity.case_id, department_id=department_id).exists()


def load() -> None:
    #: The meetings, rosters and campaigns of the region: the coordinators, discipline
    #: inspection (which reads everything in its region, issue 12) and the member units.
    declare("governance.view", is_reader)
    #: The joint-meeting office keeps the member units and their roster, calls meetings,
    #: drafts and issues the minutes (001 §6(1); 002 §3(2)).
    declare("governance.manage_meetings", is_coordinator & in_region)
    #: Each attending unit confirms the drafted minutes (issue 12 "The joint meeting").
    declare("governance.confirm_minutes", is_department_officer & owns_department)
    #: The office runs the campaigns: phases, the problem ledger (003 §3).
    declare("governance.manage_campaigns", is_coordinator & in_region)
    #: The responsible department (or the office) asks to close out a problem with
    #: its rectification evidence (003 §3 销号).
    declare("governance.request_closeout",
            (is_department_officer & owns_department) | (is_coordinator & in_region))
    #: Only the office and the admins approve a close-out (003 §3).
    declare("governance.approve_closeout", is_coordinator & in_region)
    #: The office imports market regulation's list of entities to screen (004 §6(2)3).
    declare("governance.import_screening", is_coordinator)

    #: The office registers incidents, public-opinion events and online takedowns and
    #: closes them with their outcome (001 §4(2)13, 15, 16).
    declare("governance.manage_incidents", is_coordinator & in_region)
    #: The department the profile names (`after_school`) selects institutions into
    #: after-school services, evaluates and removes them (002 §2(4), §3(1)).
    declare("governance.decide_after_school", is_department_officer & owns_department)
    #: A member unit writes its own report to the monthly consultation (004 §6(3)).
    declare("governance.write_consultation_report", is_department_officer & owns_department)

    # -- issue 12, governance part A ----------------------------------------------------
    #: The county's check of a screened entity records its outcome: the departments
    #: holding the check's tasks, or the coordinators (004 §6(2)3).
    declare("governance.record_screening_outcome",
            (is_department_officer & checks_entity) | (is_coordinator & in_region))
    #: A county's coordinators file its campaign plan with the city (DOMAIN.md §4.8).
    declare("governance.file_county_plan", is_coordinator & in_region)
    #: Discipline inspection records acceptance spot-checks (003 §6), and nothing else.
    declare("governance.record_spotcheck", is_discipline & in_region)
    #: A member unit files its supervision plan and working-group roster with the joint
    #: office (001 §6(1)): its own officers, or the coordinators.
    declare("governance.file_unit_filing",
            (is_department_officer & owns_department) | (is_coordinator & in_region))

    # -- discipline inspection and evaluation records (governance/discipline.py) ------------
    #: Discipline inspection writes its own records only: supervision proposals and their
    #: follow-ups (004 annex 2 columns 11, 12; DOMAIN.md §1), in its region.
    declare("governance.write_discipline", is_discipline & in_region)
    #: The office and the admins record notices, interviews and commendations (002 §3(2)),
    #: county-government evaluations (004 §6(5)) and accountability (001 §6(3)).
    declare("governance.record_evaluation", is_coordinator & in_region)
