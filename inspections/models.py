"""Annual inspections (年检), daily inspections (日常检查) and rectification orders (整改).

Each round, daily inspection and rectification order has its one-to-one Case of a kind
this app registers (inspections.kinds), and is seen as its case is (DESIGN.md "Scope").
Checklist templates are data (migration 0002), not code.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.vocab import Category, DepartmentType
from org.scope import Action, Scope, ScopedQuerySet


def _case_q(scope: Scope, action: str, prefix: str) -> Q | None:
    from cases.models import Case

    return Case.scope_q(scope, action, prefix)


# -- checklists ----------------------------------------------------------------------------

class ChecklistPurpose(models.TextChoices):
    ANNUAL = "annual", _("Annual inspection")
    DAILY = "daily", _("Daily inspection")


class ChecklistTemplate(models.Model):
    """A checklist with weighted items. The pass marks are data too: the seeds set no
    numbers, only that training quality is a key indicator (002 §2(4))."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    purpose = models.CharField(_("purpose"), max_length=10, choices=ChecklistPurpose.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                blank=True)
    pass_score = models.PositiveSmallIntegerField(_("pass score"), default=85)
    basic_pass_score = models.PositiveSmallIntegerField(_("basic pass score"), default=60)
    source = models.CharField(_("source"), max_length=100, blank=True)
    #: The inspecting department a safety check's checklist belongs to (002 §2(4): police
    #: premises, market regulation food, fire, health epidemic prevention); blank for the
    #: others.
    department_type = models.CharField(_("inspecting department"), max_length=40,
                                       choices=DepartmentType.choices, blank=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["purpose", "category", "code"]
        constraints = [models.CheckConstraint(condition=Q(basic_pass_score__lte=models.F("pass_score")),
                                              name="checklist_pass_marks_ordered")]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE,
                                 related_name="items")
    code = models.CharField(_("code"), max_length=40)
    text = models.CharField(_("item"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))
    #: Failing a key indicator fails the inspection whatever the score (002 §2(4): 将培训质量
    #: 纳入机构年检考核重要指标).
    key_indicator = models.BooleanField(_("key indicator"), default=False)
    source = models.CharField(_("source"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    #: What a failed item is found to be, in the violation taxonomy (DOMAIN.md §6, §8): a
    #: finding reads as the violation ("违规发布校外培训广告"), not as the item's wording
    #: ("无违规发布培训广告"), which says the opposite.
    violation = models.ForeignKey("ViolationType", on_delete=models.SET_NULL, null=True,
                                  blank=True, related_name="+",
                                  verbose_name=_("violation when failed"))

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"],
                                               name="checklist_item_unique")]

    def __str__(self) -> str:
        return self.text


# -- annual inspection ---------------------------------------------------------------------

class RoundState(models.TextChoices):
    PLANNING = "planning", _("Planning")
    INSPECTING = "inspecting", _("Inspecting")
    PUBLISHED = "published", _("Results published")


class RoundQuerySet(ScopedQuerySet):
    pass


class InspectionRound(models.Model):
    """One annual-inspection round per county, year and category, owned by the lead
    department of the profile's (category, annual inspection) cell (000 §3(1)2, (2)2,
    (3)2: the lead makes the plan, forms the groups, coordinates and publishes)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="inspection_round")
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("county"))
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    lead_department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                        related_name="+", verbose_name=_("lead department"))
    assisting_departments = models.ManyToManyField("org.Department", blank=True,
                                                   related_name="+",
                                                   verbose_name=_("assisting departments"))
    plan = models.TextField(_("plan"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("checklist"))
    state = models.CharField(_("state"), max_length=20, choices=RoundState.choices,
                             default=RoundState.PLANNING)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual inspection round")
        verbose_name_plural = _("annual inspection rounds")
        ordering = ["-year", "category", "id"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year", "category"],
                                    name="inspection_round_unique"),
            models.CheckConstraint(condition=Q(starts_on__lte=models.F("ends_on")),
                                   name="inspection_round_dates_ordered"),
            models.CheckConstraint(condition=~Q(state="published") |
                                   Q(published_at__isnull=False),
                                   name="inspection_round_published_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()} · {self.region}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        if action == Action.PUBLIC:
            return Q(**{f"{prefix}state": RoundState.PUBLISHED})
        return _case_q(scope, action, f"{prefix}case__")


class InspectionGroup(models.Model):
    """A group (分组) of inspectors from the lead and assisting departments."""

    round = models.ForeignKey(InspectionRound, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(_("name"), max_length=50)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                     verbose_name=_("inspectors"))

    class Meta:
        verbose_name = _("inspection group")
        verbose_name_plural = _("inspection groups")
        ordering = ["round", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "name"],
                                               name="inspection_group_unique")]

    def __str__(self) -> str:
        return self.name


class AnnualResult(models.TextChoices):
    PENDING = "pending", _("Not yet inspected")
    PASS = "pass", _("Pass")
    BASIC_PASS = "basic_pass", _("Basic pass")
    FAIL = "fail", _("Fail")
    ABSENT = "absent", _("Did not take part")


class AnnualInspectionQuerySet(ScopedQuerySet):
    pass


class AnnualInspection(models.Model):
    """One institution's annual inspection inside a round."""

    round = models.ForeignKey(InspectionRound, on_delete=models.PROTECT,
                              related_name="inspections")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="annual_inspections")
    town_code = models.CharField(_("town"), max_length=20, blank=True)
    group = models.ForeignKey(InspectionGroup, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="inspections", verbose_name=_("group"))
    result = models.CharField(_("result"), max_length=20, choices=AnnualResult.choices,
                              default=AnnualResult.PENDING)
    score = models.PositiveSmallIntegerField(_("score"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    inspected_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")

    objects = AnnualInspectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("annual inspection")
        verbose_name_plural = _("annual inspections")
        ordering = ["round", "town_code", "institution__name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "institution"],
                                               name="annual_inspection_unique")]

    def __str__(self) -> str:
        return f"{self.round.year} · {self.institution}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        if action == Action.PUBLIC:
            return Q(**{f"{prefix}round__state": RoundState.PUBLISHED}) & \
                ~Q(**{f"{prefix}result": AnnualResult.PENDING})
        return _case_q(scope, action, f"{prefix}round__case__")


class InspectionYear(models.Model):
    """Whether an institution was inspected in a year (000 §4(3): zombie detection reads
    years without annual inspection)."""

    institution = models.ForeignKey("institutions.Institution", on_delete=models.CASCADE,
                                    related_name="inspection_years")
    year = models.PositiveSmallIntegerField(_("year"))
    inspected = models.BooleanField(_("inspected"))
    inspection = models.ForeignKey(AnnualInspection, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+")

    class Meta:
        verbose_name = _("inspection year")
        verbose_name_plural = _("inspection years")
        ordering = ["institution", "-year"]
        constraints = [models.UniqueConstraint(fields=["institution", "year"],
                                               name="inspection_year_unique")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.year}: {self.inspected}"


# -- daily inspections ---------------------------------------------------------------------

class DailyMode(models.TextChoices):
    """The kinds of daily inspection (002 §2(2); 004 §4(2))."""

    PATROL = "patrol", _("Routine patrol")
    UNANNOUNCED = "unannounced", _("Unannounced inspection (四不两直)")
    NIGHT = "night", _("Night check")
    JOINT = "joint", _("Joint check")
    RANDOM = "random", _("Random check (双随机)")
    FOLLOWUP = "followup", _("Follow-up re-check (回头看)")
    COVERT = "covert", _("Covert visit (明察暗访)")
    SAFETY = "safety", _("Safety check")
    ONLINE = "online", _("Online-platform patrol")


class SiteType(models.TextChoices):
    """Places where disguised training hides (002 §2(2))."""

    FLAT = "flat", _("Residential flat")
    HOTEL = "hotel", _("Hotel")
    CAFE = "cafe", _("Cafe")
    OFFICE = "office", _("Office building")
    OTHER = "other", _("Other place")


class DailyState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")


class DailyOutcome(models.TextChoices):
    NONE = "", _("Not recorded")
    CLEAR = "clear", _("No problem found")
    FINDINGS = "findings", _("Problems found")


class DailyQuerySet(ScopedQuerySet):
    pass


class DailyInspection(models.Model):
    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="daily_inspection")
    mode = models.CharField(_("kind"), max_length=20, choices=DailyMode.choices)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="daily_inspections",
                                    verbose_name=_("institution"))
    site_type = models.CharField(_("site"), max_length=10, choices=SiteType.choices,
                                 blank=True)
    site_address = models.CharField(_("site address"), max_length=200, blank=True)
    planned_on = models.DateField(_("planned on"))
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("checklist"))
    followup_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="followups", verbose_name=_("re-check of"))
    draw = models.ForeignKey("RandomDraw", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="inspections")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+",
                                        verbose_name=_("inspectors"))
    state = models.CharField(_("state"), max_length=20, choices=DailyState.choices,
                             default=DailyState.PLANNED)
    outcome = models.CharField(_("outcome"), max_length=10, choices=DailyOutcome.choices,
                               blank=True, default=DailyOutcome.NONE)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    findings = models.TextField(_("findings"), blank=True)
    #: The site was found closed and neither the address nor the legal representative
    #: answered (000 §4(3): 通过登记的住所和法定代表人等方式无法取得联系).
    unreachable = models.BooleanField(_("unreachable"), default=False)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True,
                                   blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True,
                                    blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                blank=True, related_name="+")
    #: The id the inspector's phone gave the submitted form (issue 9: answers kept offline
    #: are sent when the network returns; a resend with the same id creates nothing twice).
    client_id = models.UUIDField(_("submission id"), null=True, blank=True, unique=True,
                                 editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = DailyQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily inspection")
        verbose_name_plural = _("daily inspections")
        ordering = ["-planned_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(institution__isnull=False) | ~Q(site_address=""),
                                   name="daily_inspection_has_target"),
            models.CheckConstraint(condition=~Q(state="done") | Q(done_at__isnull=False),
                                   name="daily_inspection_done_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} · {self.target_label}"

    @property
    def target_label(self) -> str:
        if self.institution_id:
            return str(self.institution)
        return f"{self.site_address}（{self.get_site_type_display()}）"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _case_q(scope, action, f"{prefix}case__")


class RandomDraw(models.Model):
    """A random check's draw (双随机, 004 §4(2) 随机抽查): the pools, the seed and what was
    drawn, so that anyone may repeat the draw and get the same result."""

    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                blank=True)
    seed = models.BigIntegerField(_("seed"))
    institution_pool = models.JSONField(_("institution pool"), default=list)
    inspector_pool = models.JSONField(_("inspector pool"), default=list)
    institution_count = models.PositiveSmallIntegerField(_("institutions drawn"))
    inspector_count = models.PositiveSmallIntegerField(_("inspectors drawn"))
    drawn_institutions = models.JSONField(_("drawn institutions"), default=list)
    drawn_inspectors = models.JSONField(_("drawn inspectors"), default=list)
    planned_on = models.DateField(_("planned on"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("random draw")
        verbose_name_plural = _("random draws")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.planned_on} #{self.pk}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """Seen as the inspections it made are."""
        q = DailyInspection.scope_q(scope, action)
        visible = DailyInspection.objects.filter(q) if q is not None else \
            DailyInspection.objects.all()
        return Q(**{f"{prefix}pk__in": visible.filter(draw__isnull=False).values("draw_id")})


# -- rectification ------------------------------------------------------------------------

class OrderState(models.TextChoices):
    OPEN = "open", _("Rectifying")
    SUBMITTED = "submitted", _("Evidence submitted")
    CLOSED = "closed", _("Closed after re-check")


class OrderQuerySet(ScopedQuerySet):
    pass


class RectificationOrder(models.Model):
    """A rectification order (整改) with its deadline in working days, from a failed annual
    inspection or a daily inspection's findings (000 §4; 004 §4(2) 回头看 re-check)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="rectification_order")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="rectification_orders",
                                    verbose_name=_("institution"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("department"))
    annual = models.ForeignKey(AnnualInspection, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="orders")
    daily = models.ForeignKey(DailyInspection, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="orders")
    findings = models.TextField(_("findings"))
    due_on = models.DateField(_("due on"))
    extended = models.BooleanField(_("extended"), default=False)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    evidence = models.TextField(_("rectification evidence"), blank=True)
    state = models.CharField(_("state"), max_length=20, choices=OrderState.choices,
                             default=OrderState.OPEN)
    recheck_note = models.TextField(_("re-check note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(state="closed") | Q(closed_at__isnull=False),
                                   name="rectification_closed_has_time"),
            models.CheckConstraint(condition=~Q(extended=True) | ~Q(extension_reason=""),
                                   name="rectification_extension_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.findings[:40]}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _case_q(scope, action, f"{prefix}case__")


# -- zombie institutions ------------------------------------------------------------------

class ZombieOutcome(models.TextChoices):
    OPEN = "", _("Being cleaned up")
    DEREGISTERED = "deregistered", _("Deregistered")
    REVOKED = "revoked", _("Licence revoked")
    ACTIVE = "active", _("Found active: not a zombie")


class ZombieQuerySet(ScopedQuerySet):
    pass


class ZombieCleanup(models.Model):
    """One cleanup per flagged institution (000 §4(3): 推动"僵尸型"校外培训机构主动注销);
    a second scan finds the open one and creates nothing."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="zombie_cleanup")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="zombie_cleanups",
                                    verbose_name=_("institution"))
    criteria = models.JSONField(_("criteria met"), default=dict)
    combination = models.CharField(_("combination"), max_length=3)
    flagged_on = models.DateField(_("flagged on"))
    outcome = models.CharField(_("outcome"), max_length=20, choices=ZombieOutcome.choices,
                               blank=True, default=ZombieOutcome.OPEN)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = ZombieQuerySet.as_manager()

    class Meta:
        verbose_name = _("zombie cleanup")
        verbose_name_plural = _("zombie cleanups")
        ordering = ["-flagged_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=Q(outcome=""),
                                    name="zombie_one_open_per_institution"),
            models.CheckConstraint(condition=Q(outcome="") | Q(closed_at__isnull=False),
                                   name="zombie_closed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.institution}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _case_q(scope, action, f"{prefix}case__")


# -- findings and enforcement ---------------------------------------------------------------

class ViolationType(models.Model):
    """The violation taxonomy (DOMAIN.md §6 and §8), kept as data (migration
    0004_violations): each item with its seed source and its competent department (fees and
    advertising to market regulation, safety to police and fire, labour to human resources,
    disguised academic training to education)."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("violation"), max_length=200)
    competent_department = models.CharField(_("competent department"), max_length=40,
                                            choices=DepartmentType.choices)
    source = models.CharField(_("source"), max_length=100)

    class Meta:
        verbose_name = _("violation type")
        verbose_name_plural = _("violation types")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.label


class EnforcementMode(models.TextChoices):
    """000 §4(2): 综合执法、联合执法、协作执法."""

    COMPREHENSIVE = "comprehensive", _("Comprehensive enforcement")
    JOINT = "joint", _("Joint enforcement")
    COOPERATIVE = "cooperative", _("Cooperative enforcement")


class Penalty(models.TextChoices):
    NONE = "", _("Not decided")
    WARNING = "warning", _("Warning")
    FINE = "fine", _("Fine")
    SUSPENSION = "suspension", _("Suspension")
    REVOCATION = "revocation", _("Revocation of the licence")
    SHUTDOWN = "shutdown", _("Shutdown")


class EnforcementQuerySet(ScopedQuerySet):
    pass


class Enforcement(models.Model):
    """An enforcement case with the competent department: the subject is an institution
    or an individual (003 §5(1)); the decision carries the penalty, the legal basis and
    the decision document."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="enforcement")
    violation = models.ForeignKey(ViolationType, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("violation"))
    mode = models.CharField(_("enforcement mode"), max_length=20,
                            choices=EnforcementMode.choices)
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="enforcements",
                                    verbose_name=_("institution"))
    subject_name = models.CharField(_("individual"), max_length=100, blank=True)
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("competent department"))
    findings = models.TextField(_("findings"))
    daily = models.ForeignKey(DailyInspection, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="enforcements")
    penalty = models.CharField(_("penalty"), max_length=20, choices=Penalty.choices,
                               blank=True, default=Penalty.NONE)
    fine_amount = models.DecimalField(_("fine (yuan)"), max_digits=12, decimal_places=2,
                                      null=True, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    decision_document = models.ForeignKey("cases.Attachment", on_delete=models.PROTECT,
                                          null=True, blank=True, related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = EnforcementQuerySet.as_manager()

    class Meta:
        verbose_name = _("enforcement case")
        verbose_name_plural = _("enforcement cases")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(institution__isnull=False) | ~Q(subject_name=""),
                                   name="enforcement_has_subject"),
            models.CheckConstraint(condition=~Q(penalty="fine") | Q(fine_amount__gt=0),
                                   name="enforcement_fine_has_amount"),
            models.CheckConstraint(condition=Q(penalty="") | Q(decided_at__isnull=False),
                                   name="enforcement_decided_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.violation}"

    @property
    def subject_label(self) -> str:
        return self.institution.name if self.institution_id else self.subject_name

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _case_q(scope, action, f"{prefix}case__")


# -- black list entries and appeals (004 §6(4)) -------------------------------------------

class BlacklistState(models.TextChoices):
    LISTED = "listed", _("On the black list")
    REMOVED = "removed", _("Removed from the black list")


class AppealState(models.TextChoices):
    NONE = "", _("No appeal")
    PENDING = "pending", _("Appeal pending")
    UPHELD = "upheld", _("Appeal rejected: the listing stands")
    OVERTURNED = "overturned", _("Appeal granted: the listing is lifted")


class BlacklistQuerySet(ScopedQuerySet):
    pass


class BlacklistEntry(models.Model):
    """Why and on what evidence an institution was black-listed (004 §6(4)), its appeal
    (申诉) with a deadline, a decision and a reason, and its removal."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="blacklist_entry")
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    related_name="blacklist_entries",
                                    verbose_name=_("institution"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("department"))
    reason = models.TextField(_("reason"))
    enforcement = models.ForeignKey(Enforcement, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="+")
    daily = models.ForeignKey(DailyInspection, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=BlacklistState.choices,
                             default=BlacklistState.LISTED)
    listed_at = models.DateTimeField(_("listed at"), auto_now_add=True)
    appeal_text = models.TextField(_("appeal"), blank=True)
    appeal_state = models.CharField(_("appeal state"), max_length=12,
                                    choices=AppealState.choices, blank=True,
                                    default=AppealState.NONE)
    appeal_due = models.DateField(_("appeal decision due"), null=True, blank=True)
    appeal_reason = models.TextField(_("appeal decision reason"), blank=True)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)
    removal_reason = models.TextField(_("removal reason"), blank=True)

    objects = BlacklistQuerySet.as_manager()

    class Meta:
        verbose_name = _("black list entry")
        verbose_name_plural = _("black list entries")
        ordering = ["-listed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=Q(state="listed"),
                                    name="blacklist_one_open_entry"),
            models.CheckConstraint(condition=~Q(state="removed") | Q(removed_at__isnull=False),
                                   name="blacklist_removed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.institution}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        if action == Action.PUBLIC:
            # The lists are public (004 §6(4)): every entry, listed or removed, for anyone;
            # the public pages show its reason and dates only.
            return Q(**{f"{prefix}pk__isnull": False})
        return _case_q(scope, action, f"{prefix}case__")


# -- stop orders by a town (001 §4(2)19) ------------------------------------------------------

class StopOrderState(models.TextChoices):
    ISSUED = "issued", _("Ordered to stop")
    COMPLIED = "complied", _("Stopped")
    DEFIED = "defied", _("Defied: escalated")


class StopOrderQuerySet(ScopedQuerySet):
    pass


class StopOrder(models.Model):
    """A town's order to stop unlicensed training (责令停止, 001 §4(2)19: 各镇人民政府、
    街道办事处……对未经许可或登记擅自开展教育培训活动的，责令停止其违法违规培训行为), with
    its own case. Reported defied (不听警告、继续培训), it goes up at once to the joint
    office and the supervising department (及时上报区"双减"专班办公室和对应业务主管部门)."""

    case = models.OneToOneField("cases.Case", on_delete=models.PROTECT,
                                related_name="stop_order")
    region = models.ForeignKey("org.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    department = models.ForeignKey("org.Department", on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("issued by"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="stop_orders",
                                    verbose_name=_("institution"))
    subject_name = models.CharField(_("operator"), max_length=100, blank=True)
    site_address = models.CharField(_("site address"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    activity = models.TextField(_("training to stop"))
    daily = models.ForeignKey(DailyInspection, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="stop_orders", verbose_name=_("found on"))
    state = models.CharField(_("state"), max_length=10, choices=StopOrderState.choices,
                             default=StopOrderState.ISSUED)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+")
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    report = models.TextField(_("report"), blank=True)
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    supervisor = models.ForeignKey("org.Department", on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("supervising department"))

    objects = StopOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("stop order")
        verbose_name_plural = _("stop orders")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(institution__isnull=False) | ~Q(subject_name=""),
                                   name="stop_order_has_subject"),
            models.CheckConstraint(condition=Q(state="issued") | Q(reported_at__isnull=False),
                                   name="stop_order_reported_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.subject_label}"

    @property
    def subject_label(self) -> str:
        return self.institution.name if self.institution_id else self.subject_name

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _case_q(scope, action, f"{prefix}case__")
