"""Institutions, their staff, courses, fee plans and training materials (DOMAIN.md §2;
issue 4 "Registry"). The supervising department is derived from the policy profile
(001 §3(2)), never typed in."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import private_storage
from core.choices import ChoiceLabels
from core.i18n import labelled
from core.vocab import Category, Nature
from institutions.uscc import validate_uscc
from org.models import DEPARTMENT_ROLES, CountyCoded, Department, Region, Role
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough


class InstitutionStatus(models.TextChoices):
    APPLYING = "applying", _("Applying")
    #: A new institution whose establishment was not accepted or was rejected: no longer
    #: applying, never licensed; it may apply again (issue 14 C3).
    NOT_APPROVED = "not_approved", _("Not approved")
    LICENSED = "licensed", _("Licensed")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")
    TERMINATED = "terminated", _("Terminated")


#: The only moves of a licence status (000 §3; 002 §2(4) enforcement outcomes).
STATUS_TRANSITIONS: dict[str, set[str]] = {
    InstitutionStatus.APPLYING: {InstitutionStatus.LICENSED, InstitutionStatus.TERMINATED,
                                 InstitutionStatus.NOT_APPROVED},
    InstitutionStatus.NOT_APPROVED: {InstitutionStatus.APPLYING, InstitutionStatus.TERMINATED},
    InstitutionStatus.LICENSED: {InstitutionStatus.SUSPENDED, InstitutionStatus.REVOKED,
                                 InstitutionStatus.TERMINATED},
    InstitutionStatus.SUSPENDED: {InstitutionStatus.LICENSED, InstitutionStatus.REVOKED,
                                  InstitutionStatus.TERMINATED},
    InstitutionStatus.REVOKED: set(),
    InstitutionStatus.TERMINATED: set(),
}


#: Never licensed, so not published (unless black-listed).
UNPUBLISHED = [InstitutionStatus.APPLYING, InstitutionStatus.NOT_APPROVED]


class ListStatus(models.TextChoices):
    """White and black lists (004 §6(4))."""

    NONE = "", _("Not listed")
    WHITE = "white", _("White list")
    BLACK = "black", _("Black list")


class SafetyRole(models.TextChoices):
    """The safety responsible person is the legal representative, principal or actual
    controller (002 §2(4))."""

    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative")
    PRINCIPAL = "principal", _("Principal")
    ACTUAL_CONTROLLER = "actual_controller", _("Actual controller")


class InstitutionQuerySet(ScopedQuerySet):
    def publicly_listed(self) -> InstitutionQuerySet:
        return self.exclude(status__in=UNPUBLISHED)


class Institution(ChoiceLabels, CountyCoded):
    name = models.CharField(_("name"), max_length=200)
    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True,
                            validators=[validate_uscc])
    nature = models.CharField(_("nature"), max_length=20, choices=Nature.choices)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    converted_from_academic = models.BooleanField(
        _("converted from academic (学转非)"), default=False,
        help_text=_("An academic institution converted to non-academic (003 §5(3))."))
    legal_representative = models.CharField(_("legal representative"), max_length=50)
    safety_person = models.CharField(_("safety responsible person"), max_length=50)
    safety_person_role = models.CharField(_("safety responsible person is"), max_length=30,
                                          choices=SafetyRole.choices,
                                          default=SafetyRole.LEGAL_REPRESENTATIVE)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=200)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="institutions",
                               verbose_name=_("region"),
                               help_text=_("Down to the town or grid."))
    premises_area = models.DecimalField(_("premises area (m²)"), max_digits=9, decimal_places=2,
                                        null=True, blank=True,
                                        validators=[MinValueValidator(Decimal("0"))])
    fire_safety_documents = models.TextField(_("fire-safety documents"), blank=True)
    licence_number = models.CharField(_("licence number"), max_length=60, blank=True)
    licence_issuer = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                       blank=True, related_name="+",
                                       verbose_name=_("issuing department"))
    supervising_department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="supervised",
        verbose_name=_("supervising department"), editable=False,
        help_text=_("Derived from the policy profile (001 §3(2))."))
    established_on = models.DateField(_("established on"), null=True, blank=True)
    serves_preschool = models.BooleanField(
        _("serves pre-school children (3–6)"), default=False,
        help_text=_("Some cities approve no new institution for pre-school children."))
    licence_valid_from = models.DateField(_("licence valid from"), null=True, blank=True)
    licence_valid_until = models.DateField(_("licence valid until"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=InstitutionStatus.choices,
                              default=InstitutionStatus.APPLYING)
    list_status = models.CharField(_("list"), max_length=10, choices=ListStatus.choices,
                                   blank=True, default=ListStatus.NONE)
    list_reason = models.TextField(_("list reason"), blank=True)
    #: When the current black-listing began (004 §6(4)); set by `blacklist_add` whoever
    #: listed it (the registry page or an inspections entry), cleared on removal.
    listed_at = models.DateTimeField(_("black-listed at"), null=True, blank=True)
    public_commitments = models.TextField(_("public commitments (公开承诺)"), blank=True,
                                          help_text=_("001 §5(1)"))
    disclosures = models.TextField(_("public disclosures"), blank=True)
    # The enrollment gate (000 §4(3)): a fund-supervision arrangement (kept by funds, with
    # its account and payment channel; issue 11), an account on the national platform,
    # and courses listed.
    national_platform_account = models.CharField(_("national platform account"),
                                                 max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = InstitutionQuerySet.as_manager()

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["status", "category"], name="institution_status_idx"),
                   # The register's order: the office list's first page walks this index
                   # instead of sorting every visible row (issue 13: 77 -> 0.65 ms at 100k).
                   models.Index(fields=["name", "id"], name="institution_name_id_idx"),
                   models.Index(fields=["county_code", "id"], name="institution_county_idx"),
                   # A county reader's register in the register's order (the funds list):
                   # the page's rows on one seek, however few of the city's rows the
                   # county holds (issue 13).
                   models.Index(fields=["county_code", "name", "id"],
                                name="institution_county_name_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="licensed") | ~Q(licence_number=""),
                name="institution_licensed_has_number"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """Admins their region; discipline and the joint office read their region;
        department roles the institutions of their region whose category their
        department has a part in under the matrix, or that it supervises; institution
        staff only their own institution; API clients their regions."""
        p = prefix
        if action == Action.PUBLIC:
            # Published facts (licence status, lists, courses): every institution past
            # the application stage, for anyone, signed in or not.
            return ~Q(**{f"{p}status__in": UNPUBLISHED}) | \
                Q(**{f"{p}list_status": ListStatus.BLACK})
        if scope.kind == "client":
            # A client reading the register, or the 12345 system naming the institution a
            # ticket is about, sees its regions' institutions.
            if action == Action.VIEW and scope.client_scopes & {"institutions:read",
                                                               "complaints:write"}:
                return scope.region_q(p)
            return NOTHING
        if scope.kind != "user":
            return NOTHING
        role = scope.role
        region = scope.region_q(p, county_field="county_code")
        if role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN):
            return region
        if role in (Role.JOINT_OFFICE, Role.DISCIPLINE):
            return region if action == Action.VIEW else NOTHING
        if role == Role.INSTITUTION_STAFF:
            if scope.institution_id and action in (Action.VIEW, Action.CHANGE):
                return Q(**{f"{p}pk": scope.institution_id})
            return NOTHING
        if role in DEPARTMENT_ROLES and scope.department_id:
            from policy.profile import ProfileMissing, active_profile

            part = Q(**{f"{p}supervising_department_id": scope.department_id})
            try:
                cats = {c for c, _phase in active_profile().participation(
                    scope.department_type, scope.county_code)}
            except ProfileMissing:
                cats = set()
            if cats and action == Action.VIEW:
                part |= Q(**{f"{p}category__in": sorted(cats)})
            return region & part
        return NOTHING

    @property
    def gate_conditions(self) -> dict[str, bool]:
        """The enrollment gate (000 §4(3)), condition by condition (uses prefetched
        courses when the caller loaded them)."""
        prefetched = getattr(self, "_prefetched_objects_cache", {}).get("courses")
        listed = (any(c.is_listed for c in prefetched) if prefetched is not None
                  else self.courses.filter(is_listed=True).exists())
        from institutions import ports

        funds = ports.funds()
        return {
            # The supervision arrangement kept by funds (its account and payment channel,
            # 004 §4(4)); without the funds app no institution meets the gate.
            "fund_account": bool(funds and funds.arrangement_in_place(self)),
            "national_platform": bool(self.national_platform_account),
            "courses_listed": listed,
        }

    @property
    def gate_met(self) -> bool:
        return all(self.gate_conditions.values())


class Staff(ScopedThrough, models.Model):
    """Teachers and staff: credential verified by education; violation-record check by
    police (违法记录核查) (000 §3); pre-hire check against employment bans (002 §2(4))."""

    class Credential(models.TextChoices):
        TEACHER_CERTIFICATE = "teacher_certificate", _("Teacher certificate")
        PROFESSIONAL_ABILITY = "professional_ability", _("Proof of professional ability")

    class Check(models.TextChoices):
        PENDING = "pending", _("Pending")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="staff")
    name = models.CharField(_("name"), max_length=50)
    id_number_hash = models.CharField(max_length=64, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=20, editable=False)
    is_teacher = models.BooleanField(_("teacher"), default=True)
    credential_kind = models.CharField(_("credential"), max_length=30, choices=Credential.choices,
                                       blank=True)
    credential_number = models.CharField(_("credential number"), max_length=60, blank=True)
    credential_check = models.CharField(_("credential verification"), max_length=10,
                                        choices=Check.choices, default=Check.PENDING)
    record_check = models.CharField(_("violation-record check"), max_length=10,
                                    choices=Check.choices, default=Check.PENDING)
    hired_on = models.DateField(_("hired on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "institution"

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["institution", "name"]
        constraints = [models.UniqueConstraint(fields=["institution", "id_number_hash"],
                                               name="staff_once_per_institution")]

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"



class StaffCheck(ScopedThrough, models.Model):
    """One recorded result of a staff check, kept as history: the credential
    verification by education and the violation-record check by police (000 §3). A
    changed credential re-opens the verification (a `pending` entry)."""

    class Kind(models.TextChoices):
        CREDENTIAL = "credential", _("Credential verification")
        RECORD = "record", _("Violation-record check")

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="checks")
    kind = models.CharField(_("check"), max_length=10, choices=Kind.choices)
    result = models.CharField(_("result"), max_length=10, choices=Staff.Check.choices)
    note = models.TextField(_("note"), blank=True)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True,
                                   blank=True, related_name="+",
                                   verbose_name=_("department"))
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("recorded by"))
    checked_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_through = "staff__institution"

    class Meta:
        verbose_name = _("staff check")
        verbose_name_plural = _("staff checks")
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return labelled(self.get_kind_display(), self.get_result_display())


class EmploymentBan(models.Model):
    """A person barred from working with minors (入职查询和从业禁止, 002 §2(4))."""

    id_number_hash = models.CharField(max_length=64, unique=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=20, editable=False)
    name = models.CharField(_("name"), max_length=50)
    reason = models.TextField(_("reason"))
    source = models.CharField(_("source"), max_length=100,
                              help_text=_("For example the procuratorate or public security."))
    until = models.DateField(_("until"), null=True, blank=True,
                             help_text=_("Empty for a lifelong ban."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("employment ban")
        verbose_name_plural = _("employment bans")

    def __str__(self) -> str:
        return f"{self.name} ({self.id_number_masked})"


class CourseMode(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")


class Course(ScopedThrough, models.Model):
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="courses")
    name = models.CharField(_("name"), max_length=100)
    mode = models.CharField(_("mode"), max_length=10, choices=CourseMode.choices)
    is_academic = models.BooleanField(_("academic content"), default=False)
    lesson_minutes = models.PositiveSmallIntegerField(_("lesson length (minutes)"))
    break_minutes = models.PositiveSmallIntegerField(_("break (minutes)"), null=True, blank=True)
    class_hours = models.PositiveSmallIntegerField(_("class hours"))
    price = models.DecimalField(_("price (yuan)"), max_digits=10, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    starts_on = models.DateField(_("starts on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    is_listed = models.BooleanField(_("listed"), default=False)
    added_after_licence = models.BooleanField(
        _("added after the licence"), default=False, editable=False,
        help_text=_("Entered while the institution was licensed: it joins the listing "
                    "through a change application (变更)."))

    objects = ScopedQuerySet.as_manager()
    scope_through = "institution"

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["institution", "name"]

    def __str__(self) -> str:
        return self.name



class CourseSlot(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=[(0, _("Monday")), (1, _("Tuesday")), (2, _("Wednesday")),
                               (3, _("Thursday")), (4, _("Friday")), (5, _("Saturday")),
                               (6, _("Sunday"))])
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("schedule slot")
        verbose_name_plural = _("schedule slots")
        ordering = ["weekday", "start"]
        constraints = [models.CheckConstraint(condition=Q(end__gt=models.F("start")),
                                              name="slot_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class FeePlan(ScopedThrough, models.Model):
    """One charge (002 §2(4)) with its refund terms and model contract (004 §4(5))."""

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="fee_plans")
    name = models.CharField(_("name"), max_length=100)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(Decimal("0.01"))])
    months = models.PositiveSmallIntegerField(_("months covered"))
    class_hours = models.PositiveSmallIntegerField(_("class hours covered"))
    refund_terms = models.TextField(_("refund terms"))
    contract_version = models.CharField(_("model contract edition"), max_length=10)
    contract_clauses = models.JSONField(_("contract clauses"), default=list)
    charge_on = models.DateField(_("charged on"), null=True, blank=True,
                                 help_text=_("For an advance charge: the day it is collected."))
    remaining_hours = models.PositiveSmallIntegerField(
        _("class hours remaining when charged"), null=True, blank=True,
        help_text=_("For a charge on a running course (a top-up): the class hours the learner "
                    "still has (002 §2(4))."))
    flags = models.JSONField(_("flags"), default=list, blank=True,
                             help_text=_("Non-blocking findings, e.g. a price that deviates "
                                         "from the government-guided price (001 §4(2)7)."))

    objects = ScopedQuerySet.as_manager()
    scope_through = "course__institution"

    class Meta:
        verbose_name = _("fee plan")
        verbose_name_plural = _("fee plans")

    def __str__(self) -> str:
        return self.name


class TrainingMaterial(ScopedThrough, models.Model):
    """Training materials are filed and reviewed by an officer (002 §2(4))."""

    class Review(models.TextChoices):
        PENDING = "pending", _("Pending review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT,
                                    related_name="materials")
    title = models.CharField(_("title"), max_length=200)
    age_range = models.CharField(_("age range"), max_length=50, blank=True)
    review = models.CharField(_("review"), max_length=10, choices=Review.choices,
                              default=Review.PENDING)
    review_note = models.TextField(_("review note"), blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")

    objects = ScopedQuerySet.as_manager()
    scope_through = "institution"

    class Meta:
        verbose_name = _("training material")
        verbose_name_plural = _("training materials")

    def __str__(self) -> str:
        return self.title



def import_upload_path(instance: ImportJob, filename: str) -> str:
    import uuid

    return f"imports/{uuid.uuid4().hex}.xlsx"


class ImportJob(models.Model):
    """An Excel import of the existing register, run in the background (issue 4)."""

    class Mode(models.TextChoices):
        ALL_OR_NOTHING = "all", _("All or nothing")
        VALID_ROWS = "valid", _("Import the valid rows")

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting")
        CHECKING = "checking", _("Checking rows")
        WRITING = "writing", _("Writing")
        DONE = "done", _("Done")
        REFUSED = "refused", _("Nothing imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices,
                            default=Mode.ALL_OR_NOTHING)
    state = models.CharField(_("state"), max_length=10, choices=State.choices,
                             default=State.PENDING)
    file = models.FileField(storage=private_storage, upload_to=import_upload_path,
                            max_length=200, blank=True)
    original_name = models.CharField(_("file name"), max_length=200)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    imported_rows = models.PositiveIntegerField(_("rows imported"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    message = models.TextField(_("result"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """An import is its author's."""
        if scope.kind != "user":
            return NOTHING
        return Q(**{f"{prefix}created_by_id": scope.user_id})
