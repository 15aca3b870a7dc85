"""Cases, tasks, escalations, notifications, attachments, comments and the audit trail
(DESIGN.md "Cases and tasks", "Audit")."""

from __future__ import annotations

import functools
import operator
import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases import kinds
from core.choices import ChoiceLabels
from core.vocab import Category, Phase
from org.models import (
    DEPARTMENT_ROLES,
    WORKING_ROLES,
    CountyCoded,
    Department,
    Region,
    RegionLevel,
    Role,
)
from org.scope import NOTHING, Action, Scope, ScopedQuerySet, ScopedThrough, scope_of


class CaseState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class CaseSequence(models.Model):
    """The last number handed out per (prefix, county, year); numbers are never reused."""

    prefix = models.CharField(max_length=4)
    county_code = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "county_code", "year"],
                                               name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.county_code}-{self.year}: {self.last_value}"


class CaseQuerySet(ScopedQuerySet):
    pass


def subtree_by_county(scope: Scope, p: str, case_pk: str) -> Q | None:
    """For a user working above the counties (a city's admin), the rows of a case in its
    subtree tested on their county code (`Case.county_code`, `Task.county_code`): a row
    lies in the subtree when its county is one of the subtree's counties, or, having no
    county (a case of the city itself), when its case (`case_pk`) is one of the subtree's
    county-less cases, found on `case_county_idx` by their empty code. The same rows as
    the region prefix test, without joining the region tree to every row: a city's
    counts read the rows' own indexes (issue 13: a city's task counts probed each of its
    600k cases, 0.8-1.1 s a count; its complaint counts, 0.7 s). None for other
    principals (a county's tests its code alone, `Scope.region_q`)."""
    path = scope.region_path
    if not (scope.kind == "user" and path and not scope.at_county
            and len([c for c in path.split("/") if c]) < RegionLevel.COUNTY):
        return None
    counties = Region.objects.filter(level=RegionLevel.COUNTY, path__startswith=path)
    countyless = Case.objects.filter(county_code="", region__path__startswith=path)
    return (Q(**{f"{p}county_code__in": counties.values("code")})
            | Q(**{f"{p}county_code": "", f"{case_pk}__in": countyless.values("pk")}))


class Case(ChoiceLabels, CountyCoded):
    number = models.CharField(_("number"), max_length=40, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=30)  # a registered kind (cases.kinds)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("region"))
    institution = models.ForeignKey("institutions.Institution", on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="cases",
                                    verbose_name=_("institution"))
    category = models.CharField(_("category"), max_length=20, choices=Category.choices,
                                blank=True)
    phase = models.CharField(_("phase"), max_length=30, choices=Phase.choices, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=CaseState.choices,
                             default=CaseState.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    #: Touched by task progress (issue 14 §A6) and read by the change feed; not indexed,
    #: so with the room migration 0017 keeps on each page (fillfactor 80) the touch is a
    #: heap-only update (issue 13: the deadline scan touches a backlog's cases).
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["state", "kind"], name="case_state_kind_idx"),
                   models.Index(fields=["opened_at", "id"], name="case_opened_idx"),
                   # A county's principal reads its cases by one equality (issue 13).
                   # It carries the columns the case lists filter on, so that a page's
                   # ids are read from it alone (`scope_parts`, issue 13).
                   models.Index(fields=["county_code", "id"], name="case_county_idx",
                                include=["kind", "state", "category", "phase"]),
                   # A filter by a rare phase or kind (an office's 证照审批 among a million
                   # supervision cases) reads its few rows, not every case of the scope
                   # (issue 13: `?phase=licensing` 0.7-1.6 s at 2M cases, a seq scan).
                   models.Index(fields=["phase", "id"], name="case_phase_idx"),
                   models.Index(fields=["kind", "id"], name="case_kind_idx"),
                   # One alternative of a department's rule, a matrix pair in its county,
                   # in the lists' order (`scope_parts`, `ScopedQuerySet._merged`): its
                   # first page reads its own rows only, however rare they are among the
                   # county's newest cases (issue 13).
                   models.Index(fields=["county_code", "category", "phase", "id"],
                                include=["kind", "state"], name="case_pair_id_idx"),
                   # The complaint cases that name an institution, with what the complaint
                   # rule and the count per institution read: the inspection planner's
                   # complaint targets (inspections.targets) join a county's complaints to
                   # these alone, from the index, not to every case of the county (issue
                   # 13: 23.5k pages -> 5.9k at 600k cases). "complaint" is the kind the
                   # complaints app opens its cases with (complaints.models.KIND).
                   models.Index(fields=["county_code", "id"],
                                include=["institution", "region", "category", "phase"],
                                condition=Q(kind="complaint", institution__isnull=False),
                                name="case_complaint_county_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["closed", "cancelled"]) | Q(closed_at__isnull=False),
                name="case_closed_has_time"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A case whose region moves to another county takes its tasks along: they keep
        the case's county code (`Task.county_code`)."""
        before, adding = self.county_code, self._state.adding
        super().save(*args, **kwargs)
        if not adding and self.county_code != before:
            Task.objects.filter(case_id=self.pk).update(county_code=self.county_code)

    @classmethod
    def refresh_county(cls, path: str, code: str) -> None:
        super().refresh_county(path, code)
        Task.objects.filter(case__region__path__startswith=path).update(county_code=code)

    @property
    def kind_label(self) -> str:
        return kinds.label(self.kind)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("cases:case_detail", kwargs={"number": self.number})

    @classmethod
    def object_grant_models(cls) -> tuple[type, type]:
        return CaseUserObjectPermission, CaseGroupObjectPermission

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "",
                region: Q | None = None) -> Q | None:
        """Who sees and works which cases (DESIGN.md "Scope"):
        county/city admins their whole region; the joint-meeting office its region;
        discipline staff read their region; department roles the cases in their region
        that their department has a part in (a task on the case, or lead/assist/step
        owner under the matrix for the case's category and phase). Each kind may open its
        cases to others besides (`CaseKindSpec.visible_to`: an institution's staff its own
        applications).

        `region` replaces the test of the case's region by an equivalent one on the
        caller's rows (a task's own county code, `Task._view_q`)."""
        p = prefix
        if scope.kind == "client":
            if action == Action.VIEW and "cases:read" in scope.client_scopes:
                return scope.region_q(p)
            return NOTHING
        if scope.kind != "user":
            return NOTHING
        q = cls._role_q(scope, action, p, region)
        extra = kinds.visible_outside_matrix(scope, action, p)
        return q if extra is None else q | extra

    @classmethod
    def _role_q(cls, scope: Scope, action: str, p: str, region: Q | None = None) -> Q:
        if region is None:
            region = subtree_by_county(scope, p, f"{p}pk") or scope.region_q(
                p, county_field="county_code")
        role = scope.role
        if role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN):
            return region
        if role == Role.JOINT_OFFICE:
            return region  # the office coordinates: it opens, assigns and follows up
        if role == Role.DISCIPLINE:
            return region if action == Action.VIEW else NOTHING
        if role == Role.INSTITUTION_STAFF:
            # Only what a kind opens to them (their own applications): complaints,
            # inspections and their internal comments and evidence stay with the officers.
            return NOTHING
        if role in DEPARTMENT_ROLES and scope.department_id:
            if action == Action.MANAGE or (action == Action.CHANGE and
                                           role not in WORKING_ROLES):
                return NOTHING
            if action == Action.ASSIGN and role != Role.DEPARTMENT_HEAD:
                return NOTHING
            return region & functools.reduce(operator.or_, cls._department_parts(scope, action, p))
        return NOTHING

    @staticmethod
    def _department_parts(scope: Scope, action: str, p: str) -> list[Q]:
        """A department's part in a case, as the alternatives its rule ORs: a task of the
        department on the case, and (VIEW) each (category, phase) pair the matrix gives
        its department type in its county (seed 003 §3, DOMAIN.md "Responsibility
        matrix").

        The task test is a probe of task_dept_case_idx per case, not `pk IN (all the
        department's cases)`: under the OR that IN is a hash of every case the department
        works (435k at 2M tasks), or, too big for it, a rescan per row that priced the
        task lists' plans past the JIT threshold (issue 13)."""
        parts = [Q(Exists(Task.objects.filter(case_id=OuterRef(f"{p}pk"),
                                              department_id=scope.department_id)))]
        if action == Action.VIEW:
            parts += _matrix_parts(scope, p)
        return parts

    @classmethod
    def scope_parts(cls, scope: Scope, action: str) -> list[Q] | None:
        """The VIEW rule of a principal working at county level, as the alternatives it
        ORs, each whole (with its region), for `ScopedQuerySet`'s merged pages: each
        alternative's first rows are read on an index of its own, with the list's filters
        and position, and the page among them (issue 13).

        A department's rule ORs a task test and its matrix pairs, which no one index
        answers in the list's order: a page walked the county's newest cases and tested
        each, and where those were not the department's (a culture office below 100k
        newer complaint cases at 2M cases) it read 155k pages for 50 rows. Alone, each
        pair is a walk of `case_pair_id_idx` and the task test a merge of
        `case_county_idx` with `task_dept_case_idx`: 900 pages.

        A county admin's, the joint office's and discipline's rule is the county's code,
        one alternative: the page's ids are read first, from `case_county_idx` alone
        (it carries the columns the lists filter on), and then its rows. A filter on a
        value the county's newest cases lack (`?kind=supervision` below the complaints)
        walked the table's pages, 5k for 50 rows; the index holds 400 cases a page.

        None elsewhere. A city-level principal's region is a prefix of the region's path,
        through a join, which no such index leads with: each alternative would walk the
        city's newest cases, and the merge read as many of them as it had alternatives."""
        if action != Action.VIEW or scope.kind != "user" or not scope.at_county:
            return None
        region = scope.region_q("", county_field="county_code")
        if scope.role in DEPARTMENT_ROLES and scope.department_id:
            parts = [region & q for q in cls._department_parts(scope, action, "")]
        elif scope.role in (Role.COUNTY_ADMIN, Role.JOINT_OFFICE, Role.DISCIPLINE):
            parts = [region]
        else:
            return None
        extra = kinds.visible_outside_matrix(scope, action, "")
        return parts if extra is None else [*parts, extra]


def _matrix_parts(scope: Scope, prefix: str) -> list[Q]:
    """One test per (category, phase) pair the matrix gives the principal's department
    type in its county; none without a policy profile."""
    from policy.profile import ProfileMissing, active_profile

    try:
        pairs = active_profile().participation(scope.department_type, scope.county_code)
    except ProfileMissing:
        return []
    return [Q(**{f"{prefix}category": category, f"{prefix}phase": phase})
            for category, phase in pairs]


class CaseUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)


class TaskRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    ASSIST = "assist", _("Assist")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    RETURNED = "returned", _("Returned")


class TaskQuerySet(ScopedQuerySet):
    def open(self) -> TaskQuerySet:
        return self.filter(status=TaskStatus.OPEN)


class Task(ChoiceLabels, models.Model):
    # No single-column index of its own on case, department or assignee: each leads a
    # composite index below (task_case_status_idx, task_dept_idx, task_assignee_idx), which
    # serves every lookup by it and the PROTECT checks, and a task's write is one index
    # entry fewer per column (issue 13: the deadline scan rewrites a backlog's task rows).
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks",
                             verbose_name=_("case"), db_index=False)
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="tasks",
                                   verbose_name=_("department"), db_index=False)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="tasks", verbose_name=_("assignee"),
                                 db_index=False)
    role = models.CharField(_("role"), max_length=10, choices=TaskRole.choices)
    step = models.CharField(_("step"), max_length=40, blank=True)  # a step of the case's kind
    duty = models.TextField(_("duty"))
    due_date = models.DateField(_("due date"))
    remind_on = models.DateField(_("reminder date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices,
                              default=TaskStatus.OPEN)
    completion_note = models.TextField(_("completion note"), blank=True)
    return_reason = models.TextField(_("return reason"), blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    #: The county code of the case (`Case.county_code`), copied when the task is created
    #: and kept with the case's: a county's task pages and counts then read the tasks'
    #: own `(county_code, …)` index instead of joining the cases (issue 13).
    county_code = models.CharField(_("county code"), max_length=20, blank=True, default="",
                                   editable=False)
    #: The kind of the case (`Case.kind`, never changed once the case is opened), copied
    #: when the task is created: a department's tasks of one kind are then read from
    #: `task_dept_kind_case_idx` alone, without joining the cases (issue 13: the
    #: complaints a department handles, `complaints.selectors.handled_ids`).
    case_kind = models.CharField(_("case kind"), max_length=30, blank=True, default="",
                                 editable=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaskQuerySet.as_manager()
    #: A view grant on the case shows its tasks too (org.scope._grant_q).
    grant_via = "case"

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["due_date", "id"]
        indexes = [
            # A department's queue in the task pages' order, to its last column: `my_tasks`
            # and the department's tasks read their first page from it and stop (issue 13:
            # without `id` every task of the earliest due dates was read and sorted, 24 ms
            # for an officer's 待办 at 2M tasks; with it 1.5 ms).
            # It carries the assignee and the county's code: a department's open-task
            # counts (the dashboard's "mine": unassigned or assigned to me, in my county)
            # are read from it alone (issue 13: at 500k cases a culture office's
            # dashboard counted its 23.5k open tasks through the table, 16.9k pages and
            # 80 ms; from the index, 200 pages).
            # It carries the escalation level too: the dashboard's tasks chart of a
            # department (open, overdue, escalated) reads it alone (issue 13).
            models.Index(fields=["department", "status", "due_date", "id"],
                         include=["assignee", "county_code", "escalation_level"],
                         name="task_dept_idx"),
            models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_idx"),
            models.Index(fields=["status", "due_date"], name="task_status_due_idx"),
            # A case's open tasks (the case list's count) and a department's tasks of a
            # case (the task scope), issue 13.
            models.Index(fields=["case", "status"], name="task_case_status_idx"),
            models.Index(fields=["department", "case"], name="task_dept_case_idx"),
            # A department's cases of one kind, in case order (`case_kind`).
            models.Index(fields=["department", "case_kind", "case"], include=["county_code"],
                         name="task_dept_kind_case_idx"),
            # The deadline scan's reminder and overdue-marking candidates: only the open
            # tasks not yet reminded or marked, so a daily scan over a million open tasks
            # reads the few that are due, not every open task (issue 13).
            models.Index(fields=["remind_on"], name="task_unreminded_idx",
                         condition=Q(status="open", reminded_at__isnull=True)),
            models.Index(fields=["due_date"], name="task_unmarked_overdue_idx",
                         condition=Q(status="open", overdue_since__isnull=True)),
            # The task pages' orders other than the due date (cases.selectors.TASK_ORDERS):
            # the county overview reads its first page on these instead of sorting every
            # open task of the county (207 ms -> 1 ms at 100k cases, issue 13).
            models.Index(fields=["status", "-escalation_level", "due_date", "id"],
                         name="task_escalation_order_idx"),
            models.Index(fields=["status", "-created_at", "-id"], name="task_newest_order_idx"),
            # The overview's open-task counts of a county: only the open tasks, in case
            # order, with the columns the counts read, merge-joined to the county's cases on
            # case_county_idx without touching either table (1.5 s -> 0.45 s at 2M tasks,
            # issue 13).
            models.Index(fields=["case"], include=["department", "due_date"],
                         condition=Q(status="open"), name="task_open_case_idx"),
            # A county's tasks in the pages' default order, with the department the
            # overview counts by: its first page and its open-task counts by department
            # read this index alone, without the cases (issue 13).
            models.Index(fields=["county_code", "status", "due_date", "id"],
                         include=["department"], name="task_county_due_idx"),
            # The open tasks of each county by department, with what the dashboards count
            # (due date, escalation level): the counts of a county or a city, grouped by
            # county or department, are index-only scans of the open tasks alone (issue 13:
            # a city's landing page counted its 190k open tasks by probing every one of
            # its 600k cases, 0.8-1.1 s a count).
            # It carries the case, so that a city's county-less tasks are told apart
            # without the table (`_region_q`).
            models.Index(fields=["county_code", "department"],
                         include=["due_date", "escalation_level", "case"],
                         condition=Q(status="open"), name="task_open_county_idx"),
            # The finished tasks of a kind and role by county, with what the on-time rates
            # read (done by the due date) and the department they are counted by: the
            # complaints' lead hand-offs of a county or a city are an index-only scan,
            # their cases matched to the reader's complaints (issue 13: the dashboard's
            # and the analysis' on-time rates joined tasks, cases and complaints, 0.4-2 s
            # at 100k complaints).
            models.Index(fields=["case_kind", "role", "county_code"],
                         include=["case", "department", "completed_at", "due_date"],
                         condition=Q(completed_at__isnull=False), name="task_kind_done_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="done") | Q(completed_at__isnull=False),
                name="task_done_has_time"),
            models.CheckConstraint(
                condition=~Q(status="returned") | ~Q(return_reason=""),
                name="task_returned_has_reason"),
            models.CheckConstraint(condition=Q(escalation_level__lte=2),
                                   name="task_escalation_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.case.number} · {self.department} · {self.get_role_display()}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and self.case_id is not None:
            self.county_code = self.case.county_code
            self.case_kind = self.case.kind
        super().save(*args, **kwargs)

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.status == TaskStatus.OPEN

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """A task is visible when its case is. Working it (CHANGE: complete, return) is
        for its own department; assigning it is for the county/city admin of its region
        and for the head of its department."""
        p = prefix
        if action == Action.VIEW:
            return cls._view_q(scope, p)
        if scope.kind != "user":
            return NOTHING
        role = scope.role
        own_dept = Q(**{f"{p}department_id": scope.department_id})
        if action == Action.CHANGE:
            if role in WORKING_ROLES and scope.department_id:
                if role == Role.DEPARTMENT_HEAD:
                    return own_dept
                return own_dept & (Q(**{f"{p}assignee__isnull": True}) |
                                   Q(**{f"{p}assignee_id": scope.user_id}))
            return NOTHING
        if action == Action.ASSIGN:
            if role in (Role.COUNTY_ADMIN, Role.CITY_ADMIN, Role.JOINT_OFFICE):
                return cls._region_q(scope, p)
            if role == Role.DEPARTMENT_HEAD and scope.department_id:
                return own_dept
            return NOTHING
        return NOTHING

    @classmethod
    def _view_q(cls, scope: Scope, p: str) -> Q | None:
        """The VIEW rule, written so that a task list walks the task indexes and checks
        each candidate's case by its primary key (issue 13). The case rule mixes task and
        case columns under an OR; applied through a join it made PostgreSQL hash every case
        (2 s for a department's tasks at 2M tasks). As `EXISTS (case of this task in the
        case rule)` it is a test per task row, and the list needs no join to filter.

        For a department's own tasks the test is only the case's region: those tasks are
        what the case rule shows through "a task of the department on the case" (a subset
        of the rule), and the region test is one index probe, tried first. Other principals'
        rules read case columns only and stay a join.

        A principal working at county level tests the task's own copy of its case's
        county code (`county_code`) instead: no case is read for the region."""
        if not (scope.kind == "user" and scope.role in DEPARTMENT_ROLES
                and scope.department_id):
            # One rule on case columns only: a join the planner walks from either side.
            return Case.scope_q(scope, Action.VIEW, f"{p}case__",
                                region=cls._region_q(scope, p))
        case_q = Case.scope_q(scope, Action.VIEW)
        if case_q is None:
            return None
        own = cls.own_q(scope, p)
        assert own is not None  # a department's principal, as tested above
        return own | Q(Exists(Case.objects.filter(case_q, pk=OuterRef(f"{p}case_id"))))

    @classmethod
    def own_q(cls, scope: Scope, prefix: str = "") -> Q | None:
        """A department principal's own tasks: its department's tasks of cases in its
        region, the first part of the VIEW rule (`_view_q`) and what its 待办 lists
        (`selectors.my_tasks`, through `restrict(own=True)`). None for other principals:
        their rule has no such part.

        A principal working at county level tests the task's own copy of its case's
        county code (`county_code`): no case is read for the region."""
        if not (scope.kind == "user" and scope.role in DEPARTMENT_ROLES
                and scope.department_id):
            return None
        p = prefix
        region = Q(**{f"{p}county_code": scope.county_code}) if scope.at_county else Q(
            Exists(Case.objects.filter(scope.region_q(""), pk=OuterRef(f"{p}case_id"))))
        return Q(**{f"{p}department_id": scope.department_id}) & region

    @staticmethod
    def _region_q(scope: Scope, p: str) -> Q:
        """The case's region in the principal's subtree, read from the task where it
        can: a county's principal tests the task's copy of the case's county code, and
        a city's its county among the city's counties (`subtree_by_county`)."""
        by_county = subtree_by_county(scope, p, f"{p}case_id")
        if by_county is not None:
            return by_county
        return scope.region_q(p, region_field="case__region", county_field="county_code")


class Escalation(models.Model):
    """One row per (task, level): a repeated or concurrent scan escalates once."""

    class Level(models.IntegerChoices):
        DEPARTMENT_HEAD = 1, _("Department head")
        COUNTY_ADMIN = 2, _("County admin")

    # Led by the unique (task, level) index; no index of its own (issue 13).
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="escalations",
                             db_index=False)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [models.UniqueConstraint(fields=["task", "level"],
                                               name="escalation_once_per_level")]

    def __str__(self) -> str:
        return f"{self.task_id} L{self.level}"


class NotificationQuerySet(ScopedQuerySet):
    def restrict(self, principal: Any, action: str = Action.VIEW, *, own: bool = False
                 ) -> NotificationQuerySet:
        """An inbox is personal, even for unrestricted principals: without this a system
        admin's inbox listed, and "mark all as read" marked, everyone's notifications.
        `own` (the gateway's signature) changes nothing: an inbox is all the user's own."""
        return self.filter(self.model.scope_q(scope_of(principal), action))

    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Task assigned")
        REMINDER = "reminder", _("Deadline reminder")
        OVERDUE = "overdue", _("Task overdue")
        ESCALATION = "escalation", _("Escalation")
        RETURNED = "returned", _("Task returned")
        COMPLETED = "completed", _("Task completed")
        COMMENT = "comment", _("New comment")
        CASE = "case", _("Case update")

    # Led by notification_unread_idx (recipient, read_at); no index of its own (issue 13).
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notifications", db_index=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, null=True, blank=True,
                             related_name="notifications")
    #: Rendered in settings.LANGUAGE_CODE (admin, search, e-mail, rows from before
    #: title_msgid existed); readers see `display_title`, rendered in their language.
    title = models.CharField(_("title"), max_length=200)
    #: The untranslated message id of the title ("New task on %(number)s") and its
    #: plain-JSON %-parameters; empty when the title was given as a finished string.
    title_msgid = models.CharField(_("title message id"), max_length=255, blank=True,
                                   default="")
    title_params = models.JSONField(_("title parameters"), default=dict, blank=True)
    body = models.TextField(_("body"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return self.title

    def render_title(self, language: str | None = None) -> str:
        """The title in `language`, else in the active language: gettext(msgid) % params.
        Falls back to the stored `title` when there is no msgid or when the message and
        its parameters do not fit (missing key, bad translation, malformed params)."""
        if not self.title_msgid:
            return self.title
        if language is not None:
            with translation.override(language):
                return self.render_title()
        params = self.title_params
        if params and not isinstance(params, dict):
            return self.title
        try:
            text = translation.gettext(self.title_msgid)
            return text % params if params else text
        except (KeyError, TypeError, ValueError, IndexError):
            return self.title

    @property
    def display_title(self) -> str:
        """The title in the reader's (active) language, for templates and the API."""
        return self.render_title()

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        """Everyone sees only their own inbox, whatever their role."""
        if scope.kind != "user":
            return NOTHING
        return Q(**{f"{prefix}recipient_id": scope.user_id})


def private_storage() -> Storage:
    """Attachment storage outside every public URL (served only by a scoped view). A
    callable, so migrations do not capture the machine's path.

    The file system under PRIVATE_MEDIA_ROOT by default; when the deployment names a
    bucket (settings.STORAGES["private"], django-storages' S3 backend: MinIO or any
    S3-compatible store), the files live there and every web node reads the same ones
    (issue 13, stateless web nodes). Downloads still go through the scoped view."""
    configured = settings.STORAGES.get("private")
    if configured:
        from django.core.files.storage import storages

        return storages["private"]
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def attachment_path(instance: Attachment, filename: str) -> str:
    """Random names: nothing about the file or the case shows in the stored path."""
    suffix = Path(filename).suffix.lower()[:10]
    token = uuid.uuid4().hex
    return f"attachments/{token[:2]}/{token}{suffix}"


class CaseChildQuerySet(ScopedQuerySet):
    pass


def _outsider_q(scope: Scope, q: Q | None, shared: Q) -> Q | None:
    """What someone outside the departments (an institution's staff, let in by a kind's
    `visible_to`) sees of a case's comments, files and history: only what was shared
    with them or what their own institution wrote. Officers' notes stay internal."""
    if q is None or scope.kind != "user" or scope.role != Role.INSTITUTION_STAFF:
        return q
    return q & shared


class Attachment(ScopedThrough, models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(storage=private_storage, upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("file type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    to_applicant = models.BooleanField(_("shared with the applicant"), default=False)

    objects = CaseChildQuerySet.as_manager()
    scope_through = "case"
    scope_work_as_change = True
    grant_via = "case"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _outsider_q(scope, super().scope_q(scope, action, prefix),
                           Q(**{f"{prefix}to_applicant": True}) |
                           Q(**{f"{prefix}uploaded_by__institution_id": scope.institution_id}))

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["-uploaded_at", "-id"]

    def __str__(self) -> str:
        return self.original_name



class Comment(ScopedThrough, models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    #: Comments are internal to the departments unless an officer addresses the applicant.
    to_applicant = models.BooleanField(_("message to the applicant"), default=False)

    objects = CaseChildQuerySet.as_manager()
    scope_through = "case"
    scope_work_as_change = True
    grant_via = "case"

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        return _outsider_q(scope, super().scope_q(scope, action, prefix),
                           Q(**{f"{prefix}to_applicant": True}) |
                           Q(**{f"{prefix}author__institution_id": scope.institution_id}))

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.body[:50]



class AppendOnlyError(RuntimeError):
    pass


class AuditEventQuerySet(ScopedQuerySet):
    def update(self, **kwargs: object) -> int:
        raise AppendOnlyError("The audit trail can only be appended to.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail can only be appended to.")




class AuditEvent(models.Model):
    """One row per state change, written in the same transaction as the change.
    Append-only: the model, its queryset and (on PostgreSQL) a trigger refuse updates
    and deletes."""

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("actor"))
    actor_label = models.CharField(_("actor"), max_length=100, blank=True)
    action = models.CharField(_("action"), max_length=60)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="audit_events")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, null=True,
                                     blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()
    grant_via = "case"

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: object, **kwargs: object) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit trail can only be appended to.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit trail can only be appended to.")

    @property
    def action_label(self) -> str:
        return kinds.audit_label(self.action)

    @classmethod
    def scope_q(cls, scope: Scope, action: str, prefix: str = "") -> Q | None:
        if action != Action.VIEW:
            return NOTHING
        # Outsiders see the history of their case but not the officers' notes and files.
        return _outsider_q(scope, Case.scope_q(scope, Action.VIEW, f"{prefix}case__"),
                           ~Q(**{f"{prefix}action__in": ["comment.add", "attachment.add"]}) |
                           Q(**{f"{prefix}actor__institution_id": scope.institution_id}))
