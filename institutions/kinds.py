"""The case kind the registry owns, and the timeline labels of its own audit events.

A supervision matter (督办, "DB-…") is daily-supervision work about an institution: an
employment ban that matches current staff (002 §2(4)), or a matter an admin opens by hand.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from cases.kinds import CaseKindSpec, steps_of
from core.vocab import Step

#: Daily-supervision steps (000 §3: 日常监管), which the profile's matrix cells name.
SUPERVISION_STEPS = (Step.PATROL, Step.COMPLAINT_HANDLING, Step.ENFORCEMENT,
                     Step.PLATFORM_DATA, Step.OPERATOR_TRAINING, Step.SECURITY, Step.FEES,
                     Step.LABOUR, Step.TAXATION, Step.RECORD_CHECK)

SUPERVISION = CaseKindSpec(
    code="supervision", prefix="DB", label=_("Supervision matter"),
    steps=steps_of(SUPERVISION_STEPS, dict(Step.choices)), openable=True)

AUDIT_LABELS = {
    "institution.register": _("Institution registered"),
    "institution.change": _("Institution details changed"),
    "institution.gate": _("Enrollment conditions recorded"),
    "institution.list": _("White list updated"),
    "institution.blacklist": _("Put on the black list"),
    "institution.unblacklist": _("Taken off the black list"),
    "institution.status.applying": _("Application reopened"),
    "institution.status.not_approved": _("Establishment not approved"),
    "institution.status.licensed": _("Licence issued"),
    "institution.status.suspended": _("Licence suspended"),
    "institution.status.revoked": _("Licence revoked"),
    "institution.status.terminated": _("Institution terminated"),
    "staff.hire": _("Staff member hired"),
    "course.create": _("Course added"),
    "course.list": _("Course listed"),
    "course.update": _("Course changed"),
    "staff.leave": _("Staff member left"),
    "material.file": _("Training material filed"),
    "material.review": _("Training material reviewed"),
    "feeplan.create": _("Fee plan added"),
    "feeplan.update": _("Fee plan changed"),
    "staff.update": _("Staff record corrected"),
    "staff.check.credential": _("Credential verification recorded"),
    "staff.check.record": _("Violation-record check recorded"),
    "enrolment.create": _("Learner enrolled"),
    "ban.add": _("Employment ban recorded"),
    "import.upload": _("Register import uploaded"),
    "institution.supervisor": _("Supervising department follows the policy profile"),
}
