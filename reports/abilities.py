"""What a principal may do with the reports, beyond which rows it sees."""

from __future__ import annotations

from typing import Any

import rules

from core.abilities import declare
from org.abilities import (
    has_role,
    is_coordinator,
    is_department_head,
    is_department_officer,
    is_region_admin,
)
from org.scope import scope_of


def load() -> None:
    """Declares the reports' abilities, each block by the part of the app that uses it."""
    _load_dashboards()
    _load_monthly()


# -- dashboards and coverage (issue 12 "Dashboards") ---------------------------------------

def _load_dashboards() -> None:
    #: The overview a reader works from: the admins and the joint-meeting office read
    #: their county (or the city's counties), a department head the department. Every
    #: figure is read through the gateway, so the ability only opens the page.
    declare("reports.view_dashboard", is_coordinator | is_department_head)
    #: The coverage targets of 004 §2 and the institutions behind each figure.
    declare("reports.view_coverage", is_coordinator | is_department_head)


# -- the monthly statutory report (reports/monthly*.py, services, views) -------------------

@rules.predicate
def _report_in_region(user: Any, report: Any) -> bool:
    if report is None:
        return True
    scope = scope_of(user)
    return scope.unrestricted or bool(scope.region_path) and \
        report.region.path.startswith(scope.region_path)


@rules.predicate
def _reports_for_department(user: Any, report: Any) -> bool:
    return report is None or scope_of(user).department_id == report.department_id


def _load_monthly() -> None:
    #: The monthly reports of the region: the coordinators, discipline inspection and the
    #: reporting departments (004 §6(8)).
    declare("reports.view_monthly", is_coordinator | has_role("discipline") |
            is_department_officer)
    #: The reporting department fills in and submits its report (and, at city level,
    #: forwards or consolidates); the region's admins may do it for it (004 annex 2).
    declare("reports.submit_monthly", (is_department_officer & _reports_for_department) |
            (is_region_admin & _report_in_region))
