"""What a principal may do with the reports, beyond which rows it sees."""

from __future__ import annotations

from core.abilities import declare
from org.abilities import is_coordinator, is_department_head


def load() -> None:
    """Declares the reports' abilities (filled as the app grows)."""
    # -- dashboards and coverage (issue 12 "Dashboards") ----------------------------------
    #: The overview a reader works from: the admins and the joint-meeting office read
    #: their county (or the city's counties), a department head the department. Every
    #: figure is read through the gateway, so the ability only opens the page.
    declare("reports.view_dashboard", is_coordinator | is_department_head)
    #: The coverage targets of 004 §2 and the institutions behind each figure.
    declare("reports.view_coverage", is_coordinator | is_department_head)
    # -- end dashboards and coverage -------------------------------------------------------
