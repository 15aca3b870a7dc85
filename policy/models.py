"""Policy profiles and the working-day calendar (DESIGN.md "Policy profile").

Everything that differs by city is a row here, loaded from `policy/profiles/*.yaml`.
The files are the only writer of the profile tables (policy/loader.py); the admin shows
them read-only, and `PolicyChange` records every load that changed a profile. The
working-day calendar and the school vacations are not part of a profile and stay
editable in the admin. Code asks `policy.profile.active_profile()`; it never names
a city. A county may override a cell of its city's matrix (000 §3: 「可结合本地实际…
进一步协商、明确各部门职责」), stored as a cell with its `region_code`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.i18n import labelled
from core.vocab import (
    Category,
    ComplaintTopic,
    DepartmentType,
    LicenceAction,
    Nature,
    Phase,
    Step,
    StepRole,
)

SOURCE_HELP = _("Seed file and section, for example 000 §3(1)1, or 'default'.")


class PolicyProfile(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    source = models.CharField(_("source"), max_length=100, blank=True, help_text=SOURCE_HELP)
    description = models.TextField(_("description"), blank=True)
    supervised_categories = models.JSONField(_("supervised categories"), default=list)
    preschool = models.JSONField(_("pre-school rules"), default=dict, blank=True)
    zombie_combination = models.CharField(
        _("zombie criteria combination"), max_length=3, default="any",
        choices=[("any", _("Any of the criteria")), ("all", _("All of the criteria"))],
        help_text=_("000 §4(3) can be read as any of or all of the criteria."),
    )
    supervisors = models.JSONField(
        _("supervising department per category"), default=dict,
        help_text=_("Category code → department type named on the licence (001 §3(2))."),
    )
    file_sha256 = models.CharField(
        _("content checksum"), max_length=64, blank=True, editable=False,
        help_text=_("SHA-256 of the merged profile (the file over its base) last loaded."))
    content = models.JSONField(_("loaded content"), default=dict, blank=True, editable=False)
    loaded_at = models.DateTimeField(_("loaded at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("policy profile")
        verbose_name_plural = _("policy profiles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class LicenceApproval(models.Model):
    """Who approves establishment, change and termination (001 §4(2)4)."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE,
                                related_name="licence_approvals")
    action = models.CharField(_("action"), max_length=20, choices=LicenceAction.choices)
    approver = models.CharField(
        _("approver"), max_length=40,
        help_text=_("A department type, or 'lead' for the licensing lead of the category."))
    consult = models.JSONField(_("consulted first"), default=list, blank=True)
    notify = models.JSONField(_("notified after approval"), default=list, blank=True)
    steps = models.JSONField(
        _("steps run"), default=list, blank=True,
        help_text=_("Step codes this action runs, conclusion included. Empty: every stage for "
                    "establishment, no on-site, verification or licence stages for change and "
                    "termination."))
    source = models.CharField(_("source"), max_length=100, help_text=SOURCE_HELP)

    class Meta:
        verbose_name = _("licence approval rule")
        verbose_name_plural = _("licence approval rules")
        constraints = [models.UniqueConstraint(fields=["profile", "action"],
                                               name="licence_approval_unique")]

    def __str__(self) -> str:
        return f"{self.action}: {self.approver}"

    def clean(self) -> None:
        """An admin edit of `steps` follows the file's rules (policy/profiles/FORMAT.md)."""
        from django.core.exceptions import ValidationError

        steps = self.steps or []
        if not isinstance(steps, list):
            raise ValidationError({"steps": _("A list of step codes.")})
        unknown = [str(s) for s in steps if s not in Step.values]
        if unknown:
            raise ValidationError({"steps": _("Unknown step codes: %(codes)s.")
                                   % {"codes": ", ".join(unknown)}})
        if steps and Step.CONCLUSION not in steps:
            raise ValidationError({"steps": _("The steps must include the conclusion.")})


class MatrixCell(models.Model):
    """One (category, phase) cell of the responsibility matrix (000 §3)."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="cells")
    region_code = models.CharField(
        _("county override"), max_length=20, blank=True, default="",
        help_text=_("Empty for the city's profile; a county's division code for its own "
                    "split of duties (000 §3)."))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    phase = models.CharField(_("phase"), max_length=30, choices=Phase.choices)
    lead_type = models.CharField(_("lead department"), max_length=40,
                                 choices=DepartmentType.choices)
    lead_duty = models.TextField(_("lead duty"))
    source = models.CharField(_("source"), max_length=100, help_text=SOURCE_HELP)

    class Meta:
        verbose_name = _("matrix cell")
        verbose_name_plural = _("matrix cells")
        ordering = ["profile", "region_code", "category", "phase"]
        constraints = [models.UniqueConstraint(
            fields=["profile", "region_code", "category", "phase"], name="matrix_cell_unique")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} / {self.get_phase_display()}"


class MatrixAssist(models.Model):
    cell = models.ForeignKey(MatrixCell, on_delete=models.CASCADE, related_name="assists")
    department_type = models.CharField(_("assisting department"), max_length=40,
                                       choices=DepartmentType.choices)
    duty = models.TextField(_("duty"))
    source = models.CharField(_("source"), max_length=100, help_text=SOURCE_HELP)

    class Meta:
        verbose_name = _("assisting department")
        verbose_name_plural = _("assisting departments")
        constraints = [models.UniqueConstraint(fields=["cell", "department_type"],
                                               name="matrix_assist_unique")]

    def __str__(self) -> str:
        return self.get_department_type_display()


class MatrixStep(models.Model):
    """The owner of one step of a phase: a phase's lead does not own every step, and a
    step's owner does not always lead it (000 §3). `role` says whether the owner's task
    is the lead's or an assisting one; participants and co-signers always assist."""

    cell = models.ForeignKey(MatrixCell, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    step = models.CharField(_("step"), max_length=40, choices=Step.choices)
    owner_type = models.CharField(_("owner"), max_length=40, choices=DepartmentType.choices)
    role = models.CharField(
        _("role"), max_length=10, choices=StepRole.choices, default=StepRole.LEAD,
        help_text=_("Whether the owner leads this step or assists in it (000 §3)."))
    nature = models.CharField(_("only for nature"), max_length=20, blank=True,
                              choices=Nature.choices)
    participants = models.JSONField(_("participants"), default=list, blank=True)
    cosigners = models.JSONField(_("co-signers"), default=list, blank=True)
    source = models.CharField(_("source"), max_length=100, help_text=SOURCE_HELP)

    class Meta:
        verbose_name = _("step owner")
        verbose_name_plural = _("step owners")
        ordering = ["cell", "order"]
        constraints = [models.UniqueConstraint(fields=["cell", "step", "nature"],
                                               name="matrix_step_unique")]

    def __str__(self) -> str:
        return labelled(self.get_step_display(), self.get_owner_type_display())


class ComplaintRoute(models.Model):
    """Complaint routing by category and topic (001 §5(3); 004 annex 1)."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE,
                                related_name="complaint_routes")
    category = models.CharField(_("category"), max_length=20,
                                help_text=_("A category code, or * for any category."))
    topic = models.CharField(_("topic"), max_length=20, choices=ComplaintTopic.choices)
    lead_type = models.CharField(_("lead department"), max_length=40,
                                 choices=DepartmentType.choices)
    assist_types = models.JSONField(_("assisting departments"), default=list, blank=True)
    hotline = models.CharField(_("hotline"), max_length=50, blank=True)
    source = models.CharField(_("source"), max_length=100, help_text=SOURCE_HELP)

    class Meta:
        verbose_name = _("complaint route")
        verbose_name_plural = _("complaint routes")
        constraints = [models.UniqueConstraint(fields=["profile", "category", "topic"],
                                               name="complaint_route_unique")]

    def __str__(self) -> str:
        return f"{self.category}/{self.topic}: {self.lead_type}"


class RuleGroup(models.TextChoices):
    RULE = "rule", _("Numeric rule")
    DEADLINE = "deadline", _("Deadline")


class RuleParameter(models.Model):
    """A numeric rule or deadline with its value, unit and source (DOMAIN.md §5)."""

    profile = models.ForeignKey(PolicyProfile, on_delete=models.CASCADE, related_name="rules")
    group = models.CharField(_("group"), max_length=10, choices=RuleGroup.choices)
    key = models.CharField(_("key"), max_length=60)
    kind = models.CharField(_("kind"), max_length=20)
    value = models.CharField(_("value"), max_length=100, blank=True,
                             help_text=_("Empty means not set."))
    label = models.CharField(_("label"), max_length=200)
    source = models.CharField(_("source"), max_length=100, help_text=SOURCE_HELP)
    from_seed = models.BooleanField(_("from a seed document"), default=True)

    class Meta:
        verbose_name = _("rule parameter")
        verbose_name_plural = _("rule parameters")
        ordering = ["profile", "group", "key"]
        constraints = [models.UniqueConstraint(fields=["profile", "key"], name="rule_key_unique")]

    def __str__(self) -> str:
        return f"{self.label} = {self.value}"

    def clean(self) -> None:
        """An admin edit must parse as the rule's kind, or every page would fail."""
        from django.core.exceptions import ValidationError

        from policy.profile import parse_rule_value

        try:
            value = parse_rule_value(self.kind, self.value)
        except (ValueError, ArithmeticError, TypeError):
            raise ValidationError({"value": _("This value does not fit the rule's kind "
                                              "(%(kind)s).") % {"kind": self.kind}})
        if self.group == RuleGroup.DEADLINE and (value is None or value < 0):
            raise ValidationError({"value": _("A deadline is a whole number of working days.")})


class PolicyChange(models.Model):
    """The policy's own audit trail: one row per load that changed a profile, with the
    checksums before and after and a summary of what changed (issue 8 §5). Only appended
    to; on PostgreSQL a trigger refuses updates and deletes. Kept in `policy` because the
    case audit trail (`cases.AuditEvent`) lives in a layer above."""

    profile_code = models.SlugField(_("profile"), max_length=40, db_index=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)
    actor = models.CharField(_("by"), max_length=100, default="loader")
    old_hash = models.CharField(_("checksum before"), max_length=64, blank=True)
    new_hash = models.CharField(_("checksum after"), max_length=64)
    summary = models.JSONField(_("what changed"), default=dict, blank=True)

    class Meta:
        verbose_name = _("policy change")
        verbose_name_plural = _("policy changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.profile_code} {self.old_hash[:8] or '∅'} → {self.new_hash[:8]}"


class CalendarYear(models.Model):
    """A year whose working days are known. Deadlines never guess past these."""

    year = models.PositiveSmallIntegerField(_("year"), primary_key=True)
    source = models.CharField(_("source"), max_length=40, default="chinese_calendar")
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """One day of the working-day calendar: legal holidays are rest days and make-up
    working days (调休) are working days even on a weekend."""

    date = models.DateField(_("date"), primary_key=True)
    year = models.ForeignKey(CalendarYear, on_delete=models.CASCADE, related_name="days")
    is_workday = models.BooleanField(_("working day"))
    name = models.CharField(_("holiday or note"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        indexes = [models.Index(fields=["is_workday", "date"], name="calendar_workday_idx")]

    def __str__(self) -> str:
        return self.date.isoformat()


class SchoolVacation(models.Model):
    """Winter and summer vacations, when academic training is forbidden like on legal
    holidays and rest days (004 §3(2)). The seeds give no dates: the education bureau
    enters each year's dates in the admin."""

    name = models.CharField(_("name"), max_length=50)
    start = models.DateField(_("first day"))
    end = models.DateField(_("last day"))
    region_code = models.CharField(_("region"), max_length=20, blank=True,
                                   help_text=_("Empty for the whole deployment; a county's "
                                               "division code for that county only."))

    class Meta:
        verbose_name = _("school vacation")
        verbose_name_plural = _("school vacations")
        ordering = ["start"]
        constraints = [models.CheckConstraint(condition=models.Q(end__gte=models.F("start")),
                                              name="vacation_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.name} {self.start}–{self.end}"
