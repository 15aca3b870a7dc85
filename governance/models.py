"""The joint meeting (联席会议) and campaigns (专项治理), issue 12.

Every row belongs to a region (a county, or the city) and is read through its region:
the region's admins, the joint-meeting office and discipline inspection read their
subtree, as do the officers of the member departments; only the coordinators (admins
and the office) write (`governance_scope_q`). A decision's tasks live on the shared task
engine (`cases`), in a case of the kind "meeting_decision" (LX-…).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, attachment_path, private_storage
from core.i18n import labelled
from org.models import Department, Region, Role
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough

#: Roles that read the region's governance records.
READERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE, Role.DISCIPLINE,
           Role.OFFICER, Role.DEPARTMENT_HEAD}
#: Roles that write them (the coordinators: admins and the joint-meeting office).
WRITERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE}
#: The token scope with which an API client reads the rows the governance API publishes
#: (meetings, campaigns, screened entities), in its own regions: the scope of the case
#: API, as a meeting's decisions and a screened entity's check are cases.
CLIENT_SCOPE = "cases:read"


def governance_scope_q(scope: Scope, action: str, prefix: str,
                       region_field: str = "region", clients: bool = False) -> Q | None:
    """The region's readers read, its coordinators write. An API client reads only the
    models that say `clients` (those the governance API publishes), in its regions, with
    the scope `CLIENT_SCOPE`; the discipline and evaluation records stay with users."""
    if scope.kind == "client":
        if clients and action == Action.VIEW and CLIENT_SCOPE in scope.client_scopes:
            return scope.region_q(prefix, region_field)
        return NOTHING
    if scope.kind != "user" or scope.role not in READERS:
        return NOTHING
    if action != Action.VIEW and scope.role not in WRITERS:
        # A member unit confirms its own attendance (see Attendance.scope_q).
        return NOTHING
    return scope.region_q(prefix, region_field)


class RegionScoped:
    region_through: str = ""
    #: Whether API clients read the rows (the governance API publishes them).
    client_readable: bool = False

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        through = f"{cls.region_through}__" if cls.region_through else ""
        return governance_scope_q(scope, action, f"{prefix}{through}",
                                  clients=cls.client_readable)


class MemberUnit(RegionScoped, models.Model):
    """A member department of a joint meeting (001 §6(1)): one of them convenes, the
    office sits at education."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    is_convenor = models.BooleanField(_("convenor"), default=False)
    hosts_office = models.BooleanField(_("hosts the office"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=100)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("member unit")
        verbose_name_plural = _("member units")
        ordering = ["order", "id"]
        constraints = [models.UniqueConstraint(fields=["region", "department"],
                                               name="gov_unit_once")]

    def __str__(self) -> str:
        return str(self.department)


class RosterPosition(models.TextChoices):
    MEMBER = "member", _("Member")
    LIAISON = "liaison", _("Liaison")
    OFFICE_DIRECTOR = "office_director", _("Office director")
    OFFICE_DEPUTY = "office_deputy", _("Office deputy director")
    OFFICE_MEMBER = "office_member", _("Office member")


class RosterEntry(RegionScoped, models.Model):
    """One person in one position of a unit, for a span of dates. A change of people
    closes the current row and adds a new one, so the roster keeps its history."""

    unit = models.ForeignKey(MemberUnit, on_delete=models.PROTECT, related_name="roster",
                             verbose_name=_("member unit"))
    position = models.CharField(_("position"), max_length=20, choices=RosterPosition.choices)
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("post"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"), null=True, blank=True)
    replaces = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("replaces"))

    objects = ScopedQuerySet.as_manager()
    region_through = "unit"

    class Meta:
        verbose_name = _("roster entry")
        verbose_name_plural = _("roster entries")
        ordering = ["unit", "position", "-start", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_position_display()})"


class MeetingKind(models.TextChoices):
    PLENARY = "plenary", _("Plenary meeting")
    SPECIAL = "special", _("Special meeting")
    LIAISON = "liaison", _("Liaison meeting")
    CONSULTATION = "consultation", _("Monthly consultation")


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DRAFTED = "drafted", _("Minutes being confirmed")
    ISSUED = "issued", _("Minutes issued")


class Meeting(RegionScoped, models.Model):
    client_readable = True  # the governance API publishes them

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("date"))
    agenda = models.TextField(_("agenda"))
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=MeetingStatus.choices,
                              default=MeetingStatus.PLANNED)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("joint meeting")
        verbose_name_plural = _("joint meetings")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class Attendance(ScopedThrough, models.Model):
    """A unit at a meeting; an attending unit confirms the drafted minutes."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    unit = models.ForeignKey(MemberUnit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("member unit"))
    present = models.BooleanField(_("present"), default=True)
    attendee = models.CharField(_("attended by"), max_length=50, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_through = "meeting"

    class Meta:
        ordering = ["unit__order", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"],
                                               name="gov_attendance_once")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.unit}"

    @property
    def department_id(self) -> int:
        return self.unit.department_id


class Decision(ScopedThrough, models.Model):
    """A decision of a meeting (议定事项): on issue it becomes a case with tasks."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    text = models.TextField(_("decision"))
    lead = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("implementing department"))
    assisting = models.ManyToManyField(Department, blank=True, related_name="+",
                                       verbose_name=_("assisting units"))
    deadline_key = models.CharField(_("deadline"), max_length=40, default="meeting_decision")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="meeting_decision")

    objects = ScopedQuerySet.as_manager()
    scope_through = "meeting"

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.text[:60]


class Phase(models.TextChoices):
    """The phases of a campaign (003 §3; 004 §5)."""

    MOBILISE = "mobilise", _("Mobilise and deploy")
    SELF_CHECK = "self_check", _("Self-check")
    RECTIFY = "rectify", _("Concentrated rectification")
    ACCEPT = "accept", _("Inspection and acceptance")
    SUMMARISE = "summarise", _("Summary")


class Campaign(RegionScoped, models.Model):
    client_readable = True  # the governance API publishes them

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    title = models.CharField(_("title"), max_length=200)
    summary_due = models.DateField(_("summary report due"))
    summary_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    summary_submitted_at = models.DateTimeField(_("summary submitted at"), null=True,
                                                blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class CampaignPhase(ScopedThrough, models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="phases")
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))

    objects = ScopedQuerySet.as_manager()
    scope_through = "campaign"

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "phase"], name="gov_phase_once"),
            models.CheckConstraint(condition=Q(end__gte=models.F("start")),
                                   name="gov_phase_dates"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.get_phase_display()}"


class ProblemStatus(models.TextChoices):
    OPEN = "open", _("Being rectified")
    PENDING = "pending", _("Close-out awaiting approval")
    CLOSED = "closed", _("Closed out")


class Problem(ScopedThrough, models.Model):
    """A line of the campaign's problem ledger, closed out (销号) with evidence and an
    approval (003 §3)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="problems")
    description = models.TextField(_("problem"))
    subject = models.CharField(_("institution or unit concerned"), max_length=200)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("responsible department"))
    rectify_by = models.DateField(_("rectify by"))
    status = models.CharField(_("status"), max_length=20, choices=ProblemStatus.choices,
                              default=ProblemStatus.OPEN)
    evidence_note = models.TextField(_("rectification evidence"), blank=True)
    evidence_file = models.FileField(_("evidence file"), upload_to=attachment_path,
                                     max_length=200, storage=private_storage, blank=True)
    evidence_type = models.CharField(max_length=100, blank=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed out at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "campaign"

    class Meta:
        ordering = ["status", "rectify_by", "id"]
        constraints = [models.CheckConstraint(
            condition=~Q(status="closed") | Q(approved_by__isnull=False) & ~Q(evidence_note=""),
            name="gov_problem_closed_has_evidence_and_approval")]

    def __str__(self) -> str:
        return labelled(self.subject, self.description[:40])


class ScreeningImport(models.Model):
    """One upload of market regulation's list of entities whose names contain 教育咨询,
    教育科技 or 文化传播 (004 §6(2)3), with its per-row report."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    original_name = models.CharField(max_length=200, blank=True)
    total_rows = models.PositiveIntegerField(default=0)
    created_rows = models.PositiveIntegerField(default=0)
    matched_rows = models.PositiveIntegerField(default=0)
    repeated_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return governance_scope_q(scope, action, prefix)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.created_at:%Y-%m-%d})"


class ScreeningEntity(RegionScoped, models.Model):
    """A market entity of the list, once per credit code: matched to the registry, or
    handed to its county as a check task (a case of the kind "screening", PC-…)."""

    client_readable = True  # the governance API publishes them

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("county"))
    credit_code = models.CharField(_("unified social credit code"), max_length=18,
                                   unique=True)
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=200, blank=True)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("registered institution"))
    case = models.OneToOneField(Case, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="screening_entity")
    first_import = models.ForeignKey(ScreeningImport, on_delete=models.PROTECT,
                                     related_name="entities")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("screened entity")
        verbose_name_plural = _("screened entities")
        ordering = ["region", "credit_code"]
        constraints = [models.CheckConstraint(
            condition=Q(institution__isnull=True) | Q(case__isnull=True),
            name="gov_screening_matched_or_checked")]

    def __str__(self) -> str:
        return f"{self.name} ({self.credit_code})"


# -- incidents (issue 12 "Incidents") ------------------------------------------------------

class IncidentKind(models.TextChoices):
    """The kinds of incident case, each led as the profile's `incidents` says."""

    INCIDENT = "incident", _("Safety incident or emergency")
    PUBLIC_OPINION = "public_opinion", _("Public opinion")
    ONLINE_TAKEDOWN = "online_takedown", _("Online platform takedown")


class IncidentStatus(models.TextChoices):
    OPEN = "open", _("Being handled")
    CLOSED = "closed", _("Closed")


class Incident(RegionScoped, models.Model):
    """A safety incident (安全事故等突发事件, 001 §4(2)13), a public-opinion event (舆情,
    001 §4(2)15) or a non-compliant online platform to take down (001 §4(2)16): a case of
    the kind "incident" (TF-…) whose lead and assisting departments' tasks come from the
    profile's `incidents`."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    occurred_on = models.DateField(_("occurred on"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("institution concerned"))
    platform = models.CharField(_("platform or application"), max_length=200, blank=True)
    lead = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("lead department"))
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="incident")
    status = models.CharField(_("status"), max_length=20, choices=IncidentStatus.choices,
                              default=IncidentStatus.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_on", "-id"]
        constraints = [models.CheckConstraint(
            condition=~Q(status="closed") | ~Q(outcome=""), name="gov_incident_closed_outcome")]

    def __str__(self) -> str:
        return self.title


# -- after-school services (002 §2(4), §3(1)) ----------------------------------------------

class AfterSchoolStatus(models.TextChoices):
    SELECTED = "selected", _("In after-school services")
    REMOVED = "removed", _("Removed")


class AfterSchoolSelection(RegionScoped, models.Model):
    """A licensed, white-listed institution selected into a school's after-school
    services (002 §2(4): 进校园遴选), evaluated each term and removed when it fails
    (评估退出机制); each step decided by the department the profile names."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("county"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("institution"))
    school = models.CharField(_("school"), max_length=200)
    service = models.CharField(_("service"), max_length=200)
    selected_on = models.DateField(_("selected on"))
    selected_by = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("selected by"))
    status = models.CharField(_("status"), max_length=20, choices=AfterSchoolStatus.choices,
                              default=AfterSchoolStatus.SELECTED)
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    removed_by = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+", verbose_name=_("removed by"))
    removal_reason = models.TextField(_("reason for removal"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("after-school selection")
        verbose_name_plural = _("after-school selections")
        ordering = ["status", "school", "id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "school"],
                                    condition=Q(status="selected"),
                                    name="gov_afterschool_once_per_school"),
            models.CheckConstraint(
                condition=Q(status="selected") | (Q(removed_on__isnull=False) &
                                                  ~Q(removal_reason="")),
                name="gov_afterschool_removed_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.institution} · {self.school}"


class EvaluationResult(models.TextChoices):
    EXCELLENT = "excellent", _("Excellent")
    QUALIFIED = "qualified", _("Qualified")
    UNQUALIFIED = "unqualified", _("Unqualified")


class AfterSchoolEvaluation(ScopedThrough, models.Model):
    """The evaluation of a selected institution for one term (002 §2(4) 评估)."""

    selection = models.ForeignKey(AfterSchoolSelection, on_delete=models.CASCADE,
                                  related_name="evaluations")
    term = models.CharField(_("term"), max_length=20)
    result = models.CharField(_("result"), max_length=20, choices=EvaluationResult.choices)
    note = models.TextField(_("evaluation note"), blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("evaluated by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "selection"

    class Meta:
        verbose_name = _("after-school evaluation")
        verbose_name_plural = _("after-school evaluations")
        ordering = ["-term", "-id"]
        constraints = [models.UniqueConstraint(fields=["selection", "term"],
                                               name="gov_afterschool_eval_once")]

    def __str__(self) -> str:
        return f"{self.selection} · {self.term}"


# -- the monthly consultation (004 §6(3)) --------------------------------------------------

class ConsultationReport(ScopedThrough, models.Model):
    """A member unit's report to a monthly consultation: its complaint analysis for the
    month before the meeting, prefilled from the complaints analytics, and its progress
    of daily control, which the unit edits before the meeting (004 §6(3))."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE,
                                related_name="consultation_reports")
    unit = models.ForeignKey(MemberUnit, on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("member unit"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("until"))
    figures = models.JSONField(_("figures"), default=dict)
    analysis = models.TextField(_("complaint analysis"), blank=True)
    progress = models.TextField(_("progress of daily control"), blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "meeting"

    class Meta:
        verbose_name = _("consultation report")
        verbose_name_plural = _("consultation reports")
        ordering = ["unit__order", "id"]
        constraints = [models.UniqueConstraint(fields=["meeting", "unit"],
                                               name="gov_consultation_report_once")]

    def __str__(self) -> str:
        return f"{self.meeting} · {self.unit}"

    @property
    def department_id(self) -> int:
        return self.unit.department_id


# -- issue 12, governance part A: screening outcomes, county plans, rectification ledger,
# -- discipline spot-checks, member-unit filings -----------------------------------------

class ScreeningOutcomeKind(models.TextChoices):
    """What the county's check of an unmatched entity found (004 §6(2)3)."""

    LICENSED_ELSEWHERE = "licensed_elsewhere", _("Licensed elsewhere")
    NOT_TRAINING = "not_training", _("Not training")
    UNLICENSED = "unlicensed", _("Unlicensed training")


class ScreeningOutcome(ScopedThrough, models.Model):
    """The outcome of one entity's check task. Unlicensed training puts the entity in the
    registry (not approved), opens an enforcement case and a black-list entry in the
    inspections work (004 §6(2)3; 004 §6(4))."""

    entity = models.OneToOneField(ScreeningEntity, on_delete=models.PROTECT,
                                  related_name="outcome", verbose_name=_("screened entity"))
    kind = models.CharField(_("outcome"), max_length=20, choices=ScreeningOutcomeKind.choices)
    other_reference = models.CharField(_("other registry's reference"), max_length=100,
                                       blank=True)
    note = models.TextField(_("note"), blank=True)
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("institution"))
    enforcement = models.ForeignKey("inspections.Enforcement", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("enforcement case"))
    blacklist = models.ForeignKey("inspections.BlacklistEntry", on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("black list entry"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "entity"

    class Meta:
        verbose_name = _("screening outcome")
        verbose_name_plural = _("screening outcomes")
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="licensed_elsewhere") | ~Q(other_reference=""),
                name="gov_outcome_elsewhere_has_reference"),
            models.CheckConstraint(
                condition=~Q(kind="unlicensed") | Q(enforcement__isnull=False,
                                                    blacklist__isnull=False),
                name="gov_outcome_unlicensed_has_cases"),
        ]

    def __str__(self) -> str:
        return f"{self.entity} · {self.get_kind_display()}"


class CountyPlan(RegionScoped, models.Model):
    """A county's plan for a city campaign, filed with the city (004 §4.8 via DOMAIN.md
    §4.8: county plans filed with city education by mid-July). The city's call opens a
    case (FA-…) with a task for the county's education department due on the call's
    date, so reminders and overdue marks run on the task engine; filing completes it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="county_plans",
                                 verbose_name=_("campaign"))
    county = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("county"))
    due = models.DateField(_("due"))
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="county_plan")
    text = models.TextField(_("plan"), blank=True)
    file = models.FileField(_("plan document"), upload_to=attachment_path, max_length=200,
                            storage=private_storage, blank=True)
    file_type = models.CharField(max_length=100, blank=True, editable=False)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+")
    filed_at = models.DateTimeField(_("filed at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return governance_scope_q(scope, action, prefix, "county")

    class Meta:
        verbose_name = _("county campaign plan")
        verbose_name_plural = _("county campaign plans")
        ordering = ["county__code", "id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "county"], name="gov_plan_once"),
            models.CheckConstraint(condition=Q(filed_at__isnull=True) | ~Q(text=""),
                                   name="gov_plan_filed_has_text"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.county}"


class RectificationMeasure(ScopedThrough, models.Model):
    """A line of the rectification ledger (整改台账, 003 §3): one measure of a problem with
    its dated time node; overdue while undone after the node."""

    problem = models.ForeignKey(Problem, on_delete=models.CASCADE, related_name="measures",
                                verbose_name=_("problem"))
    measure = models.TextField(_("rectification measure"))
    node = models.DateField(_("time node"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "problem"

    class Meta:
        verbose_name = _("rectification measure")
        verbose_name_plural = _("rectification measures")
        ordering = ["node", "id"]

    def __str__(self) -> str:
        return f"{self.measure[:40]} ({self.node})"

    def is_overdue(self, today: Any) -> bool:
        return self.done_on is None and self.node < today

    @property
    def department_id(self) -> int:
        return self.problem.department_id


class SpotCheckResult(models.TextChoices):
    PASSED = "passed", _("Rectification confirmed")
    FAILED = "failed", _("Rectification not confirmed")


class SpotCheck(models.Model):
    """An acceptance spot-check by discipline inspection (003 §6: 纪检监察部门对整改情况进行
    抽查): a sample of a campaign's closed-out problems, the result and remarks. Discipline
    inspection writes these and nothing else of governance."""

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="spot_checks",
                                 verbose_name=_("campaign"))
    checked_on = models.DateField(_("date"))
    sample = models.ManyToManyField(Problem, related_name="spot_checks",
                                    verbose_name=_("sampled problems"))
    result = models.CharField(_("result"), max_length=10, choices=SpotCheckResult.choices)
    remarks = models.TextField(_("remarks"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        if action != Action.VIEW and scope.kind == "user" and scope.role == Role.DISCIPLINE:
            return scope.region_q(f"{prefix}campaign__")
        return governance_scope_q(scope, action, f"{prefix}campaign__")

    class Meta:
        verbose_name = _("acceptance spot-check")
        verbose_name_plural = _("acceptance spot-checks")
        ordering = ["-checked_on", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.checked_on}"


class FilingKind(models.TextChoices):
    """What each member unit files with the joint office (001 §6(1))."""

    SUPERVISION_PLAN = "supervision_plan", _("Supervision plan")
    WORKING_GROUP = "working_group", _("Working-group roster")


class UnitFiling(RegionScoped, models.Model):
    """A member unit's supervision plan or working-group roster for a year, filed with the
    joint office (001 §6(1)); a later filing of the same kind and year replaces it in the
    office's list, the earlier one stays."""

    unit = models.ForeignKey(MemberUnit, on_delete=models.PROTECT, related_name="filings",
                             verbose_name=_("member unit"))
    kind = models.CharField(_("kind"), max_length=20, choices=FilingKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    text = models.TextField(_("content"))
    file = models.FileField(_("document"), upload_to=attachment_path, max_length=200,
                            storage=private_storage, blank=True)
    file_type = models.CharField(max_length=100, blank=True, editable=False)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    filed_at = models.DateTimeField(_("filed at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    region_through = "unit"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """Every reader of the region reads the filings; a member unit's own officers
        file for their unit (CHANGE), besides the coordinators."""
        if action != Action.VIEW and scope.kind == "user" and \
                scope.role in (Role.OFFICER, Role.DEPARTMENT_HEAD) and scope.department_id:
            return scope.region_q(f"{prefix}unit__") & Q(
                **{f"{prefix}unit__department_id": scope.department_id})
        return super().scope_q(scope, action, prefix)

    class Meta:
        verbose_name = _("member-unit filing")
        verbose_name_plural = _("member-unit filings")
        ordering = ["unit__order", "kind", "-year", "-filed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_kind_display()} {self.year}"

    @property
    def department_id(self) -> int:
        return self.unit.department_id


# -- discipline inspection's own records and the evaluation records (issue 12) -------------
# Kept at the end of the module; their writes live in governance/discipline.py.

class SupervisionProposal(RegionScoped, models.Model):
    """A supervision proposal (纪检监察建议书, 004 annex 2 column 11) written by discipline
    inspection to a department of its region, with a reply due in working days: the reply
    is the department's task on the shared task engine (a case of the kind
    "supervision_proposal", JJ-…), so reminders, overdue marks and escalation apply."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="proposals", verbose_name=_("campaign"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("addressed department"))
    number = models.CharField(_("document number"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("proposal"))
    issued_on = models.DateField(_("issued on"))
    case = models.OneToOneField(Case, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="supervision_proposal")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("supervision proposal")
        verbose_name_plural = _("supervision proposals")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["region", "issued_on"], name="gov_proposal_idx")]

    def __str__(self) -> str:
        return self.title


class ProposalFollowUp(ScopedThrough, models.Model):
    """Discipline inspection's follow-up of a proposal (004 annex 2 column 12: 追踪完成整改
    建议书份数); the one marked "rectified" completes the proposal."""

    proposal = models.ForeignKey(SupervisionProposal, on_delete=models.CASCADE,
                                 related_name="follow_ups", verbose_name=_("proposal"))
    checked_on = models.DateField(_("checked on"))
    note = models.TextField(_("follow-up"))
    rectified = models.BooleanField(_("rectification completed"), default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "proposal"

    class Meta:
        verbose_name = _("proposal follow-up")
        verbose_name_plural = _("proposal follow-ups")
        ordering = ["checked_on", "id"]
        constraints = [models.UniqueConstraint(
            fields=["proposal"], condition=Q(rectified=True),
            name="gov_followup_rectified_once")]

    def __str__(self) -> str:
        return f"{self.proposal} · {self.checked_on}"


class EvaluationKind(models.TextChoices):
    """002 §3(2): 通报, 约谈, 表彰; 004 §6(5): the county governments' evaluation;
    001 §6(3): accountability (问责)."""

    NOTICE = "notice", _("Notice")
    INTERVIEW = "interview", _("Interview")
    COMMENDATION = "commendation", _("Commendation")
    COUNTY_EVALUATION = "county_evaluation", _("County-government evaluation")
    ACCOUNTABILITY = "accountability", _("Accountability")


class AccountabilityMeasure(models.TextChoices):
    """The two person counts of 004 annex 2: column 6 (批评教育帮助和处理) and column 7
    (党纪政务处分)."""

    CRITICISM = "criticism", _("Criticism, education and handling")
    SANCTION = "sanction", _("Party or government sanction")


class EvaluationRecord(RegionScoped, models.Model):
    """A record of the office's evaluation: a notice, an interview or a commendation of the
    departments or towns concerned, linked to the lagging tasks it is about (002 §3(2));
    the evaluation of a county government (004 §6(5)); an accountability record
    (001 §6(3)) with the measure and the number of persons."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    kind = models.CharField(_("kind"), max_length=20, choices=EvaluationKind.choices)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="evaluations", verbose_name=_("campaign"))
    title = models.CharField(_("title"), max_length=200)
    content = models.TextField(_("content"))
    issued_on = models.DateField(_("date"))
    departments = models.ManyToManyField(Department, blank=True, related_name="+",
                                         verbose_name=_("units concerned"))
    tasks = models.ManyToManyField("cases.Task", blank=True, related_name="+",
                                   verbose_name=_("lagging tasks"))
    evaluated_region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True,
                                         blank=True, related_name="+",
                                         verbose_name=_("county evaluated"))
    cases_count = models.PositiveIntegerField(_("cases made public"), default=0)
    measure = models.CharField(_("measure"), max_length=20, blank=True,
                               choices=AccountabilityMeasure.choices)
    persons = models.PositiveIntegerField(_("persons"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation record")
        verbose_name_plural = _("evaluation records")
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["region", "kind", "issued_on"],
                                name="gov_evaluation_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="accountability") | ~Q(measure="") & Q(persons__gte=1),
                name="gov_accountability_measure"),
            models.CheckConstraint(
                condition=~Q(kind="county_evaluation") | Q(evaluated_region__isnull=False),
                name="gov_county_evaluation_county"),
        ]

    def __str__(self) -> str:
        return self.title
