"""What a principal may do in the joint meeting and the campaigns, beyond which rows it
sees (the region rule of `governance.models.governance_scope_q`)."""

from __future__ import annotations

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


    # -- discipline inspection and evaluation records (governance/discipline.py) ------------
    #: Discipline inspection writes its own records only: supervision proposals and their
    #: follow-ups (004 annex 2 columns 11, 12; DOMAIN.md §1), in its region.
    declare("governance.write_discipline", is_discipline & in_region)
    #: The office and the admins record notices, interviews and commendations (002 §3(2)),
    #: county-government evaluations (004 §6(5)) and accountability (001 §6(3)).
    declare("governance.record_evaluation", is_coordinator & in_region)
