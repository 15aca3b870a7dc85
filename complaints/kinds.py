"""The complaint case kind (投诉举报, "TS-…"): one case per complaint, opened by
`complaints.services.complaint_submit`, never by hand. Its steps are the hand-offs of
004 §6(2)2 (有举必核、核实必处): dispatch, verify, handle, reply, and the head's review
after an unsatisfied rating."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.kinds import CaseKindSpec

STEPS = {
    "dispatch": _("Dispatch"),
    "verify": _("Verification"),
    "handle": _("Handling"),
    "reply": _("Reply to the complainant"),
    "review": _("Review by the department head"),
    "report_back": _("Report back to the forwarding office"),
}


def spec() -> CaseKindSpec:
    from complaints import services, views

    services.STEP_LABELS.update(STEPS)
    return CaseKindSpec(
        code=services.KIND, prefix="TS", label=_("Complaint"), steps=STEPS,
        decision_steps=frozenset(STEPS),
        audit_labels={
            "complaint.submit": _("Complaint received"),
            "complaint.transfer": _("Complaint transferred"),
            "complaint.return": _("Complaint returned to the dispatcher"),
            "complaint.verify": _("Complaint verified"),
            "complaint.handle": _("Complaint handled"),
            "complaint.reply": _("Complainant answered"),
            "complaint.rate": _("Complainant rated the handling"),
            "complaint.close_unrated": _("Closed without a rating"),
            "complaint.merge": _("Merged as a duplicate"),
            "complaint.ask_explanation": _("Institution asked to explain"),
            "complaint.explain": _("Institution explained"),
            "complaint.report_back": _("Reported back to the forwarding office"),
        },
        panel=views.complaint_panel,
    )
