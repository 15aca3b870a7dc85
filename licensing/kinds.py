"""The licensing case kind (许可, "XK-…"): one case per application, opened by
`licensing.services.application_submit`, never by hand."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.kinds import CaseKindSpec, steps_of
from core.vocab import Step
from org.models import Role
from org.scope import Action

if TYPE_CHECKING:
    from org.scope import Scope


def _own_applications(scope: Scope, action: str, prefix: str) -> Q | None:
    """Institution staff read their own institution's applications and write on them
    (answer an officer's question, upload a document); the officers' internal notes and
    files stay hidden from them (cases.models._outsider_q)."""
    if scope.kind == "user" and scope.role == Role.INSTITUTION_STAFF and \
            scope.institution_id and action in (Action.VIEW, Action.CHANGE):
        return Q(**{f"{prefix}institution_id": scope.institution_id})
    return None


def spec() -> CaseKindSpec:
    from licensing import services, views

    return CaseKindSpec(
        code=services.KIND, prefix="XK", label=_("Licensing application"),
        steps=steps_of([step for steps in services.STAGE_STEPS.values() for step in steps],
                       dict(Step.choices)),
        decision_steps=frozenset(services.DECISION_STEPS),
        audit_labels={
            "licensing.submit": _("Application submitted"),
            "licensing.stage": _("Next stage opened"),
            "licensing.completed": _("Licensing completed"),
            "licensing.decide.acceptance": _("Acceptance decided"),
            "licensing.decide.onsite": _("On-site inspection recorded"),
            "licensing.decide.conclusion": _("Review concluded"),
            "licensing.decide.registration": _("Registration recorded"),
            "licensing.decide.licence": _("Licence issued"),
        },
        visible_to=_own_applications,
        on_task_done=services.on_task_done,
        reopen_refusal=services.reopen_refusal,
        panel=views.licensing_panel,
    )
