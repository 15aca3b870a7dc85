"""Regions, departments and users (DOMAIN.md §1).

Regions form a tree (province → city → county → town → village → grid) stored with a
materialised path, so that a subtree is one indexed prefix query (issue 3 §2).
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext_lazy as _

from core.vocab import DepartmentType
from org.scope import ScopedQuerySet


class RegionLevel(models.IntegerChoices):
    PROVINCE = 1, _("Province")
    CITY = 2, _("City")
    COUNTY = 3, _("County or district")
    TOWN = 4, _("Town or street")
    VILLAGE = 5, _("Village or community")
    GRID = 6, _("Grid")


class RegionQuerySet(ScopedQuerySet):
    def subtree(self, region: Region) -> RegionQuerySet:
        return self.filter(path__startswith=region.path)

    def counties(self) -> RegionQuerySet:
        return self.filter(level=RegionLevel.COUNTY)


class Region(models.Model):
    """An administrative division; `code` is its division code (grids: a local code)."""

    code = models.CharField(_("division code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.PositiveSmallIntegerField(_("level"), choices=RegionLevel.choices)
    kind = models.CharField(
        _("kind"), max_length=40, blank=True,
        help_text=_("For example 区, 县, 新区 or 管委会 (special zones count as counties)."),
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=255, editable=False)

    objects = RegionQuerySet.as_manager()

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["path"], name="region_path_idx",
                         opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=6),
                                   name="region_level_range"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent is not None and self.parent.level >= self.level:
            raise ValidationError({"parent": _("A region must sit below its parent's level.")})
        if self.parent is None and self.level != RegionLevel.PROVINCE and Region.objects.filter(
            level__lt=self.level).exists():
            raise ValidationError({"parent": _("Only the top region may have no parent.")})

    def save(self, *args: object, **kwargs: object) -> None:
        old_path = self.path
        self.path = (self.parent.path if self.parent else "/") + f"{self.code}/"
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if old_path and old_path != self.path:
            # Re-root the subtree in one statement.
            Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk).update(
                path=Concat(Value(self.path), Substr(F("path"), len(old_path) + 1))
            )
            CountyCoded.refresh_subtree(self)

    @classmethod
    def scope_q(cls, scope: object, action: str, prefix: str = "") -> models.Q | None:
        from org.scope import Action

        # Regions are public facts; only system admins change them (in the admin).
        if action == Action.VIEW:
            return None
        region_path = getattr(scope, "region_path", None)
        if action == Action.MANAGE and getattr(scope, "kind", "") == "user" and region_path:
            # The regions a principal works in (opens cases, enters institutions): its own
            # subtree.
            return models.Q(**{f"{prefix}path__startswith": region_path})
        return models.Q(pk__in=[])

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split("/") if c]

    @property
    def county_code(self) -> str:
        """The code of the county this region lies in (itself if a county), else ''."""
        codes = self.ancestor_codes()
        return codes[RegionLevel.COUNTY - 1] if len(codes) >= RegionLevel.COUNTY else ""


class CountyCoded(models.Model):
    """A row that keeps the code of the county its `region` lies in (issue 13: "county
    stored on institution and case with (county, id) indexes, for sparse scopes").

    The scope of a county's principal is then one equality on an indexed column instead of
    a join to the region tree and a prefix test: at 100k rows a county with no rows walked
    the whole index (73 ms). The code follows the region: set on every save that changes
    the region, and for a whole subtree when a region moves (`refresh_subtree`)."""

    county_code = models.CharField(_("county code"), max_length=20, blank=True, default="",
                                   editable=False)

    class Meta:
        abstract = True

    region: models.ForeignKey
    region_id: int | None

    @classmethod
    def from_db(cls, db: object, field_names: object, values: object) -> CountyCoded:
        row = super().from_db(db, field_names, values)  # type: ignore[misc]
        row._loaded_region_id = row.__dict__.get("region_id")
        return row

    def save(self, *args: object, **kwargs: object) -> None:
        if self._state.adding or self.region_id != getattr(self, "_loaded_region_id", None):
            code = self.region.county_code if self.region_id else ""
            if code != self.county_code:
                self.county_code = code
                fields = kwargs.get("update_fields")
                if fields is not None and "county_code" not in fields:  # type: ignore[operator]
                    kwargs["update_fields"] = [*fields, "county_code"]  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        self._loaded_region_id = self.region_id

    @staticmethod
    def models() -> list[type[CountyCoded]]:
        return [m for m in CountyCoded.__subclasses__() if not m._meta.abstract]

    @staticmethod
    def refresh_subtree(region: Region) -> None:
        """After a region moved: every county-coded row under it takes its new county. A
        county or a region below one is one county: one UPDATE per model, whatever the
        subtree's size. A city or province moving (rare) updates county by county."""
        if region.level >= RegionLevel.COUNTY:
            parts = [(region.path, region.county_code)]
        else:
            parts = [(c.path, c.code) for c in Region.objects.filter(
                path__startswith=region.path, level=RegionLevel.COUNTY)]
        for model in CountyCoded.models():
            for path, code in parts:
                model.refresh_county(path, code)

    @classmethod
    def refresh_county(cls, path: str, code: str) -> None:
        """The rows under `path` (one county's subtree) take `code`. A model whose
        children copy its county (a case's tasks) extends this to update them too."""
        cls._default_manager.filter(region__path__startswith=path).update(county_code=code)


class DepartmentQuerySet(ScopedQuerySet):
    pass


class Department(models.Model):
    """A department of one region, with the duty-publicity fields of 000 §3: each county
    department publishes its duties, responsible office, office head, consultation
    address and phone."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="departments",
                               verbose_name=_("region"))
    type = models.CharField(_("type"), max_length=40, choices=DepartmentType.choices)
    name = models.CharField(_("name"), max_length=100)
    duties = models.TextField(_("published duties"), blank=True)
    responsible_office = models.CharField(_("responsible office"), max_length=100, blank=True)
    office_head = models.CharField(_("office head"), max_length=50, blank=True)
    consultation_address = models.CharField(_("consultation address"), max_length=200,
                                            blank=True)
    consultation_phone = models.CharField(_("consultation phone"), max_length=50, blank=True)
    complaint_phone = models.CharField(_("complaint phone"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__path", "type"]
        constraints = [
            models.UniqueConstraint(fields=["region", "type"], name="department_one_per_type"),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: object, action: str, prefix: str = "") -> models.Q | None:
        from org.scope import Action

        if action == Action.VIEW:
            return None  # the list of departments is public (000 §3 duty publicity)
        if action == Action.ASSIGN and getattr(scope, "kind", "") == "user":
            # Work goes to departments of the principal's own region and below: a county
            # hands work to county and town departments, never up to the city.
            return scope.region_q(prefix)  # type: ignore[attr-defined]
        return models.Q(pk__in=[])


class Role(models.TextChoices):
    """Roles (issue 3 §2; DOMAIN.md §1; 000 §4(2) three teams; 003 §6 and 004 annex 2
    for discipline inspection)."""

    OFFICER = "officer", _("Officer")
    DEPARTMENT_HEAD = "department_head", _("Department head")
    COUNTY_ADMIN = "county_admin", _("County admin")
    CITY_ADMIN = "city_admin", _("City admin")
    JOINT_OFFICE = "joint_office", _("Joint-meeting office")
    DISCIPLINE = "discipline", _("Discipline inspection")
    GRID_OFFICER = "grid_officer", _("Grid officer")
    SOCIAL_SUPERVISOR = "social_supervisor", _("Social supervisor")
    INSTITUTION_STAFF = "institution_staff", _("Institution staff")
    SYSTEM_ADMIN = "system_admin", _("System admin")


#: Roles that belong to one department and work that department's tasks.
DEPARTMENT_ROLES = {Role.OFFICER, Role.DEPARTMENT_HEAD, Role.GRID_OFFICER,
                    Role.SOCIAL_SUPERVISOR}
#: Department roles that work the department's tasks and write on its cases. A social
#: supervisor (社会监督员, 000 §4(2)) reports and follows up: it sees its department's
#: cases but never works a task, comments or uploads on them.
WORKING_ROLES = DEPARTMENT_ROLES - {Role.SOCIAL_SUPERVISOR}
#: Roles that need a region.
REGION_ROLES = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE, Role.DISCIPLINE,
                *DEPARTMENT_ROLES}


class UserQuerySet(ScopedQuerySet, models.QuerySet):
    pass


class PortalUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser):
    """A person who signs in. Government users belong to a region and usually a
    department; institution staff are bound to one institution (issue 4)."""

    full_name = models.CharField(_("full name"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    role = models.CharField(_("role"), max_length=30, choices=Role.choices, default=Role.OFFICER)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="users", verbose_name=_("department"))
    institution = models.ForeignKey(
        "institutions.Institution", on_delete=models.PROTECT, null=True, blank=True,
        related_name="staff_users", verbose_name=_("institution"),
        help_text=_("For institution staff: the one institution they act for."))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="users", verbose_name=_("region"),
                               help_text=_("For department users this is the department's "
                                           "region unless a smaller one (a grid) is set."))

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.full_name or self.username

    def clean(self) -> None:
        super().clean()
        if self.role == Role.INSTITUTION_STAFF and self.institution_id is None:
            raise ValidationError({"institution": _("Institution staff need an institution.")})
        if self.role in DEPARTMENT_ROLES and self.department_id is None:
            raise ValidationError({"department": _("This role needs a department.")})
        if self.role in REGION_ROLES and self.department_id is None and self.region_id is None:
            raise ValidationError({"region": _("This role needs a region.")})
        if self.department_id and self.region_id and self.department:
            dept_path = self.department.region.path
            if not self.region.path.startswith(dept_path):
                raise ValidationError(
                    {"region": _("The region must lie inside the department's region.")})

    def save(self, *args: object, **kwargs: object) -> None:
        if self.department_id and not self.region_id:
            self.region_id = Department.objects.values_list("region_id", flat=True).get(
                pk=self.department_id)
        if self.role == Role.SYSTEM_ADMIN:
            self.is_staff = True
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    @classmethod
    def scope_q(cls, scope: object, action: str, prefix: str = "") -> models.Q | None:
        """Users are visible to colleagues in the same region subtree (to pick an
        assignee); only system admins change them."""
        from org.scope import Action, Scope

        assert isinstance(scope, Scope)
        if action != Action.VIEW or scope.region_path is None:
            return models.Q(pk__in=[])
        return models.Q(**{f"{prefix}region__path__startswith": scope.region_path})


class ApiClient(models.Model):
    """An integrating system: a hashed token, scopes, regions and a throttle rate
    (issue 3 §6). The plain token is shown once, when it is issued."""

    class Scopes(models.TextChoices):
        REGIONS = "regions:read", _("Read regions and departments")
        POLICY = "policy:read", _("Read the policy profile")
        CASES = "cases:read", _("Read cases in its regions")
        INSTITUTIONS = "institutions:read", _("Read institutions in its regions")
        COMPLAINTS = "complaints:write", _("Send complaints (12345) and read them back")
        FUNDS_WRITE = "funds:write", _("Report payments into fund custody (custodian bank)")
        FUNDS_READ = "funds:read", _("Read prepaid-fee funds in its regions")

    name = models.CharField(_("name"), max_length=100, unique=True)
    token_prefix = models.CharField(_("token prefix"), max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list, blank=True)
    regions = models.ManyToManyField(Region, related_name="+", verbose_name=_("regions"),
                                     blank=True)
    throttle_rate = models.CharField(
        _("throttle rate"), max_length=20, default="120/min",
        validators=[RegexValidator(r"^[1-9][0-9]{0,6}/(s|sec|m|min|h|hour|d|day)$",
                                   _("Use requests per period, for example 120/min."))],
        help_text=_("Requests per period, for example 120/min."))
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @staticmethod
    def hash_token(token: str) -> str:
        import hashlib

        return hashlib.sha256(token.encode()).hexdigest()

    def issue_token(self) -> str:
        """Set a new random token and return it in plain text (only this once)."""
        import secrets

        token = secrets.token_urlsafe(32)
        self.token_prefix = token[:8]
        self.token_hash = self.hash_token(token)
        return token


class Tombstone(models.Model):
    """A record that left a region: deleted, or moved to another region (issue 13, the
    change feed). An integrator pulling changes of its regions learns from these what to
    drop; the record's key is all a tombstone keeps."""

    class Reason(models.TextChoices):
        DELETED = "deleted", _("Deleted")
        MOVED = "moved", _("Moved out of the region")

    kind = models.CharField(max_length=30)  # the feed: "institution", "case"
    key = models.CharField(max_length=40)  # the record's public key (credit code, number)
    region_path = models.CharField(max_length=255)  # where it was
    reason = models.CharField(max_length=10, choices=Reason.choices)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tombstone")
        verbose_name_plural = _("tombstones")
        indexes = [models.Index(fields=["kind", "id"], name="tombstone_kind_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} {self.reason}"
