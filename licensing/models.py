"""Licensing applications (000 §3; 001 §4(2)4): establishment, re-licensing, change and
termination, each with its one-to-one Case of kind "licensing"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from institutions.models import InstitutionStatus
from org.scope import Scope, ScopedQuerySet


class ApplicationAction(models.TextChoices):
    """What a licensing application asks for (000 §3; 001 §4(2)4; 003 §4 and 004 §4(3)
    for re-licensing of existing institutions)."""

    ESTABLISH = "establish", _("Establishment")
    RELICENSE = "relicense", _("Re-licensing")
    CHANGE = "change", _("Change")
    TERMINATE = "terminate", _("Termination")


#: The licence statuses each application fits (000 §3; 003 §4 re-licensing of existing
#: institutions): a new institution is established (again, after a refusal), a licensed
#: or suspended one re-licensed, changed or terminated.
APPLIES_TO: dict[str, set[str]] = {
    ApplicationAction.ESTABLISH: {InstitutionStatus.APPLYING, InstitutionStatus.NOT_APPROVED},
    ApplicationAction.RELICENSE: {InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED},
    ApplicationAction.CHANGE: {InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED},
    ApplicationAction.TERMINATE: {InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED},
}


class Stage(models.TextChoices):
    ACCEPTANCE = "acceptance", _("Acceptance")
    REVIEW = "review", _("Material review")
    ONSITE = "onsite", _("On-site inspection")
    VERIFICATION = "verification", _("Credential and record checks")
    CONSULTATION = "consultation", _("Consultation")
    CONCLUSION = "conclusion", _("Conclusion")
    REGISTRATION = "registration", _("Registration")
    FILING = "filing", _("Filing")
    LICENCE = "licence", _("Licence and fund account")
    COMPLETED = "completed", _("Completed")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")
    REJECTED = "rejected", _("Rejected")


class LicensingApplicationQuerySet(ScopedQuerySet):
    def running(self) -> LicensingApplicationQuerySet:
        """In progress: its case open (not closed or cancelled) and not at an end stage."""
        return self.filter(case__state__in=["open", "in_progress"]).exclude(
            stage__in=[Stage.COMPLETED, Stage.NOT_ACCEPTED, Stage.REJECTED])


class LicensingApplication(models.Model):
    """One licensing application with its one-to-one Case (kind licensing). Its stages
    and the department owning each step come from the profile's (category, licensing)
    cell; see licensing.services."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="licensing_application")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="applications")
    action = models.CharField(_("action"), max_length=20, choices=ApplicationAction.choices)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices,
                             default=Stage.ACCEPTANCE)
    channel = models.CharField(_("channel"), max_length=10,
                               choices=[("portal", _("Institution portal")),
                                        ("walk_in", _("Walk-in"))])
    change_details = models.JSONField(_("requested changes"), default=dict, blank=True)
    onsite_checklist = models.JSONField(_("on-site checklist"), default=dict, blank=True)
    decisions = models.JSONField(_("decisions"), default=dict, blank=True,
                                 help_text=_("Per decision stage: the decision, who and why."))
    documents = models.JSONField(
        _("documents"), default=dict, blank=True,
        help_text=_("The documents the profile's licensing cell asks for: code → the case "
                    "attachment that holds it, with its label and source."))
    registration_number = models.CharField(
        _("registration number"), max_length=60, blank=True,
        help_text=_("Given by market regulation (for-profit) or civil affairs (non-profit) "
                    "at the registration step (000 §3)."))
    concluded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = LicensingApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("licensing application")
        verbose_name_plural = _("licensing applications")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.institution}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        from cases.models import Case

        # An application is seen as its case is (institution staff through the licensing
        # kind's own rule).
        return Case.scope_q(scope, action, f"{prefix}case__")
