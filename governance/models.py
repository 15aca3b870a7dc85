"""The joint meeting (联席会议) and campaigns (专项治理), issue 12.

Every row belongs to a region (a county, or the city) and is read through its region:
the region's admins, the joint-meeting office and discipline inspection read their
subtree, as do the officers of the member departments; only the coordinators (admins
and the office) write (`governance_scope_q`). A decision's tasks live on the shared task
engine (`cases`), in a case of the kind "meeting_decision" (LX-…).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, attachment_path, private_storage
from org.models import Department, Region, Role
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough

#: Roles that read the region's governance records.
READERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE, Role.DISCIPLINE,
           Role.OFFICER, Role.DEPARTMENT_HEAD}
#: Roles that write them (the coordinators: admins and the joint-meeting office).
WRITERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE}


def governance_scope_q(scope: Scope, action: str, prefix: str) -> Q | None:
    if scope.kind != "user" or scope.role not in READERS:
        return NOTHING
    if action != Action.VIEW and scope.role not in WRITERS:
        # A member unit confirms its own attendance (see Attendance.scope_q).
        return NOTHING
    return scope.region_q(prefix)


class RegionScoped:
    region_through: str = ""

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        through = f"{cls.region_through}__" if cls.region_through else ""
        return governance_scope_q(scope, action, f"{prefix}{through}")


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
        return f"{self.subject}: {self.description[:40]}"


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
