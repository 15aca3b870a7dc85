"""The meeting-decision case kind (联席会议议定事项, "LX-…"): one case per decision of
issued minutes, opened by `governance.services.minutes_issue`, never by hand; its tasks
(the implementing department's lead task and the assisting units') run on the shared
task engine, so reminders, overdue marks and escalation apply (002 §3(2))."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.kinds import CaseKindSpec


def spec() -> CaseKindSpec:
    from governance import services

    return CaseKindSpec(
        code=services.KIND, prefix="LX", label=_("Joint-meeting decision"),
        steps={services.STEP: _("Implement the decision")},
        audit_labels={
            "governance.minutes_issue": _("Minutes issued"),
        },
        on_task_done=services.on_task_done,
    )


def screening_spec() -> CaseKindSpec:
    """The check of a screened market entity (市场主体排查, "PC-…", 004 §6(2)3): opened by
    `governance.screening.screening_import` for each entity the registry does not know."""
    from governance import screening

    return CaseKindSpec(
        code=screening.KIND, prefix="PC", label=_("Market-entity screening check"),
        steps={screening.STEP: _("Check the entity")},
        audit_labels={"governance.screening_import": _("Screening list imported"),
                      "governance.screening_outcome": _("Screening outcome recorded")},
    )


def incident_spec() -> CaseKindSpec:
    """An incident, a public-opinion event or an online takedown (突发事件, "TF-…", 001
    §4(2)13, 15, 16): opened by `governance.incidents.incident_report` with the lead and
    assisting departments' tasks, closed with its outcome by `incident_close`."""
    from governance import incidents

    return CaseKindSpec(
        code=incidents.KIND, prefix="TF", label=_("Incident"),
        steps={incidents.STEP_LEAD: _("Lead the handling"),
               incidents.STEP_ASSIST: _("Assist in the handling")},
        audit_labels={"governance.incident_report": _("Incident registered"),
                      "governance.incident_close": _("Incident closed")},
    )


def plan_spec() -> CaseKindSpec:
    """A county's campaign plan filed with the city (方案备案, "FA-…", DOMAIN.md §4.8):
    opened by `governance.services.plan_call` for each county, its task due on the city's
    date; filing the plan completes it."""
    from governance import services

    return CaseKindSpec(
        code=services.PLAN_KIND, prefix="FA", label=_("County campaign plan"),
        steps={services.PLAN_STEP: _("File the plan with the city")},
        audit_labels={"governance.plan_file": _("Plan filed")},
    )
