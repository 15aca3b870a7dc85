"""Reads of licensing applications, including the facts the registry asks for through
`institutions.ports`."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef

from licensing.models import ApplicationAction, LicensingApplication, Stage


def running_application(user: Any, institution: Any) -> LicensingApplication | None:
    """The application in progress, as `user` may see it."""
    return (LicensingApplication.objects.restrict(user).running()
            .filter(institution=institution).select_related("case").first())


def application_case_open(institution: Any) -> bool:
    """An application of the institution whose case is still open: until it closes, its
    decisions may still change the register (a rejection waits for its co-signers)."""
    return LicensingApplication.objects.filter(
        institution=institution, case__state__in=["open", "in_progress"]).exists()


def course_in_application(course: Any) -> bool:
    """Whether a change application in progress carries this course."""
    running = LicensingApplication.objects.running().filter(
        institution_id=course.institution_id, action=ApplicationAction.CHANGE).values_list(
        "change_details", flat=True)
    return any(item.get("course") == course.pk for details in running
               for item in (details or {}).get("courses", []) if isinstance(item, dict))


def relicensed() -> Exists:
    """Re-approved through re-licensing (重新审批登记, 004), which counties publish."""
    return Exists(LicensingApplication.objects.filter(
        institution=OuterRef("pk"), action=ApplicationAction.RELICENSE, stage=Stage.COMPLETED))
