"""The monthly statutory report (004 §6(8) and annex 2: 整治群众身边腐败和作风问题工作情况表).

One report per reporting department per month. A county department's report has one row
per campaign (整治项目) of its county; its figures are computed from the records
(reports/monthly.py says which record feeds each column) and only what the system cannot
know is typed in (the `manual` fields below, marked as manual on the page and in the
exports). A city department's report relays its counties' reports: the city science,
culture-tourism and sports bureaus forward them to city education, which consolidates
(004 annex 2 note 1). Scope: the region's admins, the joint-meeting office and discipline
inspection read the region's reports; a department's officers read the reports of their
kind of department (education's also those it consolidates).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case
from org.models import Department, Region, Role
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough
from policy.profile import active_profile


def reporting_types() -> list[str]:
    """The department types that report (004 §6(8): 各县（市、区）教育、市场监管和文旅、科技、
    体育等部门), from the profile."""
    return list(active_profile().monthly_report_setting("reporting"))


def education_types() -> list[str]:
    """The education types that consolidate at city level (004 annex 2 note 1:
    报送市教育局汇总), from the profile."""
    return list(active_profile().monthly_report_setting("consolidating"))


def forwarding_types() -> list[str]:
    """The city bureaus that forward their counties' reports to city education (004 annex
    2 note 1: 市科技局、市文旅局、市体育局于每月3日前报送市教育局汇总), from the profile."""
    return list(active_profile().monthly_report_setting("forwarding"))


READERS = {Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE, Role.DISCIPLINE}
OFFICERS = {Role.OFFICER, Role.DEPARTMENT_HEAD}


class ReportStatus(models.TextChoices):
    OPEN = "open", _("Being filled in")
    SUBMITTED = "submitted", _("Submitted")


class MonthlyReport(models.Model):
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("region"))
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("reporting department"))
    period = models.DateField(_("month"))  # the first day of the month reported
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices,
                              default=ReportStatus.OPEN)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    case = models.OneToOneField(Case, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="monthly_report")
    # manual: the footer (填表单位 is the department, 填表时间 the submission)
    post = models.CharField(_("post"), max_length=100, blank=True)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    # manual: the county total line, outside items 1–16 (annex 2 note 2)
    typical_batches = models.PositiveIntegerField(_("typical cases publicised: batches"),
                                                  default=0)
    typical_cases = models.PositiveIntegerField(_("typical cases publicised: cases"), default=0)
    results_batches = models.PositiveIntegerField(_("results published: batches"), default=0)
    results_projects = models.PositiveIntegerField(_("results published: projects"),
                                                   default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-period", "region__path", "department__type", "id"]
        constraints = [
            models.UniqueConstraint(fields=["department", "period"], name="rep_monthly_once"),
            models.CheckConstraint(condition=Q(period__day=1), name="rep_monthly_first_day"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(submitted_at__isnull=False),
                name="rep_monthly_submitted_at"),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.period:%Y-%m}"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        if scope.kind != "user":
            return NOTHING
        in_region = scope.region_q(prefix)
        if scope.role in READERS:
            return in_region if action == Action.VIEW or scope.role != Role.DISCIPLINE \
                else NOTHING
        if scope.role in OFFICERS and scope.department_type:
            types = [scope.department_type]
            if scope.department_type in education_types():
                types += forwarding_types()
            return in_region & Q(**{f"{prefix}department__type__in": types})
        return NOTHING


class MonthlyReportRow(ScopedThrough, models.Model):
    """One campaign's line of a county department's report; its manual fields are the
    columns no record in the system feeds (see reports/monthly.py)."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.CASCADE, related_name="rows")
    campaign = models.ForeignKey("governance.Campaign", on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("campaign"))
    key_problems = models.TextField(_("key problems addressed"), blank=True)  # column 3
    systems = models.PositiveIntegerField(_("systems set up or improved"), default=0)  # 10
    published_batches = models.PositiveIntegerField(_("results published: batches"),
                                                    default=0)  # 14
    published_projects = models.PositiveIntegerField(_("results published: projects"),
                                                     default=0)  # 14
    effects = models.TextField(_("effects of the work"), blank=True)  # 15
    shortcomings = models.TextField(_("problems in the work"), blank=True)  # 16
    remarks = models.CharField(_("remarks"), max_length=200, blank=True)  # 备注
    #: The computed figures as submitted (column code → value): a submitted report says
    #: what it said when it was sent, even if a record of the month is entered later.
    submitted_figures = models.JSONField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()
    scope_through = "report"

    class Meta:
        ordering = ["campaign__created_at", "campaign_id"]
        constraints = [models.UniqueConstraint(fields=["report", "campaign"],
                                               name="rep_row_once")]

    def __str__(self) -> str:
        return f"{self.report} · {self.campaign}"
