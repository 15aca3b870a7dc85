"""Reads of complaints: the office list, the case chain, likely duplicates, repeat counts
and the analysis by the dimensions of 004 §6(2)1 (region, category, item, complainant,
repeat count, completion rate, satisfaction)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, connections
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext

from cases import kinds
from cases.models import Task, TaskRole
from complaints.models import (
    KIND,
    OPEN_STATUSES,
    Channel,
    Complaint,
    ComplaintStatus,
    Rating,
    ReportBack,
)
from core.abilities import may
from core.search import contains_text
from core.vocab import Category, label_of
from institutions.models import Institution
from org.models import DEPARTMENT_ROLES, Region, RegionLevel, Role
from org.scope import Action, scope_of

#: Within this many days, the same phone about the same institution is a likely repeat.
DUPLICATE_DAYS = 30
DUPLICATE_SIMILARITY = 0.3


def office_qs(user: Any, action: str = Action.VIEW) -> QuerySet[Complaint]:
    """The complaints of the office pages and the API. An institution's staff, who see
    the complaints they are asked to explain, read them only through their own pages
    (`institution_qs`), never the office's."""
    scope = scope_of(user)
    if scope.kind == "user" and scope.role == Role.INSTITUTION_STAFF:
        return Complaint.objects.none()
    return (Complaint.objects.restrict(user, action)
            .select_related("case", "case__region", "case__institution", "topic"))


#: A department whose tasks lie on at most this many complaints has its list read from
#: those complaints (`handled_only`); past it, they are common enough among its county's
#: that the list's walk in its order finds a page within a few thousand rows.
HANDLED_FEW = 2000


def handled_ids(user: Any) -> list[int] | None:
    """The cases of the complaints a department principal's rule can show, where they are
    few (at most `HANDLED_FEW`), for a list to read them first; None elsewhere.

    The case rule a complaint is read by (`Case.scope_q`) ORs, for a department, a task
    of the department on the case with the (category, phase) pairs the matrix gives it
    (seed 003 §3) and each kind's `visible_to`. For a complaint only the task can hold:
    its case is opened with no phase (`services.complaint_submit`: a complaint is routed
    by its topic and the institution's category to a handling department, seed 001 §5(3)
    and 004 annex 1, not by the matrix's phases), and the complaint kind opens none of
    its cases outside the matrix (checked here). No index answers "a task of the
    department on the case" in the list's order, so a department that handles few
    complaints or none had every complaint of its county tested for a page: at 100k
    complaints a culture office read 557k pages (225 ms) for 7 rows (issue 13).

    The department's complaint cases are read from its own tasks (the gateway's own part,
    `restrict(own=True)`) by their copy of the case's kind (`Task.case_kind`,
    `task_dept_kind_case_idx`): up to the bound and one more, ids only. They narrow a list
    the gateway has already restricted, so a row the rule does not show cannot come
    back through them. Past the bound the list is read as before."""
    scope = scope_of(user)
    if not (scope.kind == "user" and scope.role in DEPARTMENT_ROLES and scope.department_id
            and kinds.get(KIND).visible_to is None):
        return None
    ids = list(Task.objects.restrict(user, own=True).filter(case_kind=KIND).order_by()
               .values_list("case_id", flat=True).distinct()[:HANDLED_FEW + 1])
    return ids if len(ids) <= HANDLED_FEW else None


def handled_only(user: Any, qs: Any) -> Any:
    """`qs` (a complaint list, or a recorder standing for one) narrowed to the complaints
    whose cases `handled_ids` reads, where it reads them."""
    ids = handled_ids(user)
    return qs if ids is None else qs.filter(case_id__in=ids)


def office_list(user: Any, *, status: str = "", topic: str = "", q: str = "",
                ) -> QuerySet[Complaint]:
    qs = handled_only(user, office_qs(user))
    if status:
        qs = qs.filter(status=status)
    if topic:
        qs = qs.filter(topic__code=topic)
    if q:
        qs = _search(qs, q)
    department_id = scope_of(user).department_id
    return qs.annotate(
        open_overdue=_any_task(status="open", overdue_since__isnull=False),
        # read by the see_identity ability instead of a query per row
        handled_by_me=_any_task(department_id=department_id or 0))


#: More complaints (or institutions) than this holding a term and the list walks its
#: order instead of reading them all (`_search`).
SEARCH_FEW = 2000
SEARCH_FEW_INSTITUTIONS = 200


def _search(qs: QuerySet[Complaint], q: str) -> QuerySet[Complaint]:
    """The complaints of `qs` whose case number, institution's name or institution as
    described holds `q` (case aside): `icontains`'s rows (issue 13).

    An OR across the joined case and institution is no BitmapOr: as a filter it tested
    every complaint of the county, and a term few hold walked them all (1.3 s at 150k
    complaints a county). So the matches are read first, each column on its gram index
    (`core.search`): the institutions whose name holds the term, then the complaints
    about them or whose case number or institution as described holds it, each read up
    to a bound and one more. Past a bound the term is common and the list walks its
    order testing each row (51 matches come within a few thousand rows; reading every
    match of a term all names hold took 0.5-6 s); within both, the list is those ids, on
    the primary key. Two queries, the same for every term and page (past the bound of
    institutions the second reads only the other two columns)."""
    if connection.vendor != "postgresql":
        return qs.filter(_contains_any(q))
    # Ids only, never shown: they narrow `qs`, which the scope gateway has already
    # restricted, so a complaint outside the reader's scope cannot come back through them.
    institutions = list(Institution.objects.filter(contains_text("name", q)).order_by()
                        .values_list("id", flat=True)[:SEARCH_FEW_INSTITUTIONS + 1])
    common = len(institutions) > SEARCH_FEW_INSTITUTIONS
    base = qs.order_by().values("id")
    ids = base.filter(contains_text("case__number", q)).union(
        base.filter(case__institution_id__in=[] if common else institutions),
        base.filter(contains_text("institution_text", q)), all=True)
    found = list(ids.values_list("id", flat=True)[:SEARCH_FEW + 1])
    if common or len(found) > SEARCH_FEW:
        return qs.filter(_contains_any(q))
    return qs.filter(pk__in=found)


def _contains_any(q: str) -> Q:
    return (Q(case__number__icontains=q) | Q(case__institution__name__icontains=q)
            | Q(institution_text__icontains=q))


def _any_task(**conditions: Any) -> Coalesce:
    """Whether the row's case has a task meeting `conditions`, as a scalar subquery with
    LIMIT 1 read per row on `task_case_status_idx` (issue 13). An `EXISTS` here the
    planner may hash instead: it read every county's open overdue tasks (302k rows, one
    second at 2M tasks) to flag a page of 50; a scalar subquery it cannot hash."""
    first = (Task.objects.filter(case=OuterRef("case"), **conditions).order_by()
             .annotate(found=Value(True)).values("found")[:1])
    return Coalesce(Subquery(first, output_field=BooleanField()), Value(False))


def report_backs(user: Any) -> QuerySet[ReportBack]:
    """Reports back up the user sees (through the complaint's case): pending first, by
    due date."""
    return (ReportBack.objects.restrict(user)
            .select_related("complaint", "complaint__case", "task", "task__department",
                            "reported_by")
            .order_by(F("reported_at").asc(nulls_first=True), "due_date", "id"))


def institution_qs(user: Any) -> QuerySet[Complaint]:
    """An institution's staff: the complaints about it they were asked to explain (the
    gateway's rule, Complaint.scope_q)."""
    return (Complaint.objects.restrict(user).select_related("case", "topic")
            .order_by("-explanation_requested_at", "-id"))


def awaiting_explanation(qs: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The complaints of `qs` whose explanation the institution still owes: asked by the
    handling department, not answered, the complaint still open (complaint_explain
    refuses it afterwards). The institution's dashboard counts these and its figure opens
    this list."""
    return (qs.filter(explanation_requested_at__isnull=False, explained_at__isnull=True)
            .exclude(status__in=(ComplaintStatus.CLOSED, ComplaintStatus.MERGED)))


def for_tracking(number: str, code: str) -> Complaint | None:
    """The complainant's own complaint, found by its tracking number and private code
    (the code is the credential: no account, issue 10 "Intake"). A wrong code and a
    missing number answer alike."""
    complaint = (Complaint.objects.select_related("case", "topic", "case__institution")
                 .filter(case__number=number.strip().upper()).first())
    if complaint is None or not complaint.code_matches(code):
        return None
    return complaint


def mask(value: str) -> str:
    """A name or phone as everyone but the handling departments sees it: 张** and
    139****78."""
    if not value:
        return ""
    if len(value) >= 7 and value[:3].isdigit():
        return value[:3] + "*" * (len(value) - 5) + value[-2:]
    return value[0] + "*" * max(len(value) - 1, 1)


def identity(user: Any, complaint: Complaint) -> tuple[str, str]:
    """(name, phone) as this user may read them (issue 10 "Privacy")."""
    if may(user, "complaints.see_identity", complaint):
        return complaint.complainant_name, complaint.complainant_phone
    return mask(complaint.complainant_name), mask(complaint.complainant_phone)


@dataclass
class Hop:
    """One hand-off of the chain: who held the complaint, for how long, on time or not."""

    task: Task
    held_days: int
    on_time: bool
    #: The hand-off's step (dispatch, verification...), as the "Step" column names it.
    step: str = ""


def chain(complaint: Complaint) -> list[Hop]:
    from complaints.kinds import STEPS

    today = timezone.localdate()
    hops = []
    for task in complaint.case.tasks.select_related("department").order_by("created_at", "id"):
        end = timezone.localdate(task.completed_at) if task.completed_at else today
        start = timezone.localdate(task.created_at)
        hops.append(Hop(task=task, held_days=(end - start).days, on_time=end <= task.due_date,
                        step=str(STEPS.get(task.step, ""))))
    return hops


def duplicates(user: Any, complaint: Complaint) -> list[Complaint]:
    """Likely duplicates the user can see: the same phone about the same institution
    within DUPLICATE_DAYS, or the same institution with similar text (PostgreSQL trigram
    similarity; elsewhere, the same first 20 characters)."""
    qs = office_qs(user).exclude(pk=complaint.pk).filter(duplicate_of__isnull=True)
    return list(_likely(qs, institution_id=complaint.case.institution_id,
                        institution_text=complaint.institution_text,
                        phone=complaint.complainant_phone, description=complaint.description,
                        at=complaint.received_at).order_by("received_at")[:10])


def intake_matches(qs: QuerySet[Complaint], *, institution_id: int | None,
                   institution_text: str, phone: str, description: str,
                   exclude_pk: int | None = None) -> QuerySet[Complaint]:
    """The open complaints of `qs` that a complaint being taken in likely repeats (issue
    10 "Duplicates": suggested on intake), by the same rules as `duplicates`."""
    qs = qs.filter(duplicate_of__isnull=True,
                   status__in=[*OPEN_STATUSES, ComplaintStatus.AWAITING_RATING])
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return _likely(qs, institution_id=institution_id, institution_text=institution_text,
                   phone=phone, description=description, at=timezone.now()
                   ).order_by("received_at")


def similar_open_count(complaint: Complaint) -> int:
    """How many open complaints, anyone's, the one a citizen just filed likely repeats:
    the public receipt says only this number (issue 10 "Duplicates": suggested on intake),
    never which complaints, by whom or about what. The complainant has no scope, so this
    count reads the whole register on purpose; no row of it leaves this function."""
    return intake_matches(Complaint.objects.all(), institution_id=complaint.case.institution_id,
                          institution_text=complaint.institution_text,
                          phone=complaint.complainant_phone,
                          description=complaint.description, exclude_pk=complaint.pk).count()


def _likely(qs: QuerySet[Complaint], *, institution_id: int | None, institution_text: str,
            phone: str, description: str, at: dt.datetime) -> QuerySet[Complaint]:
    if institution_id is not None:
        same = qs.filter(case__institution_id=institution_id)
    elif institution_text.strip():
        same = qs.filter(institution_text=institution_text.strip())
    else:
        return qs.none()
    since = at - dt.timedelta(days=DUPLICATE_DAYS)
    match = Q(pk__in=[])
    if phone:
        match |= Q(complainant_phone=phone, received_at__gte=since)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        similar = same.annotate(sim=TrigramSimilarity("description", description)
                                ).filter(sim__gte=DUPLICATE_SIMILARITY).values("pk")
        match |= Q(pk__in=similar)
    else:
        match |= Q(description__startswith=description[:20])
    return same.filter(match)


def repeat_counts(user: Any) -> QuerySet[Any]:
    """Complaints per institution (004 §6(2)1: 投诉次数), most first."""
    return (office_qs(user).filter(case__institution__isnull=False)
            .values("case__institution__name", "case__institution__uscc")
            .annotate(n=Count("pk")).filter(n__gt=1).order_by("-n", "case__institution__name"))


def repeat_count(complaint: Complaint) -> int:
    """How many complaints the same institution (or the same phone) has had."""
    q = Q(pk__in=[])
    if complaint.case.institution_id:
        q |= Q(case__institution_id=complaint.case.institution_id)
    if complaint.complainant_phone:
        q |= Q(complainant_phone=complaint.complainant_phone)
    return Complaint.objects.filter(q).count()


MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass
class AnalyticsFilter:
    """The analysis' filters: a range of months (received), and a region of the user's
    subtree (a county for city users, a town for county users)."""

    month_from: dt.date | None = None
    month_to: dt.date | None = None
    region: Region | None = None

    def as_params(self) -> dict[str, str]:
        out = {}
        if self.month_from:
            out["month_from"] = self.month_from.strftime("%Y-%m")
        if self.month_to:
            out["month_to"] = self.month_to.strftime("%Y-%m")
        if self.region is not None:
            out["region"] = self.region.code
        return out


def analytics_regions(user: Any) -> QuerySet[Region]:
    """The regions the analysis can be narrowed to: the counties of a city user's
    subtree; a county user's towns."""
    scope = scope_of(user)
    qs = Region.objects.all() if scope.unrestricted else \
        Region.objects.filter(path__startswith=scope.region_path) if scope.region_path else \
        Region.objects.none()
    counties = qs.filter(level=RegionLevel.COUNTY)
    if counties.count() > 1:
        return counties.order_by("path")
    return qs.filter(level=RegionLevel.TOWN).order_by("path")


def _month(value: str) -> dt.date | None:
    match = MONTH_RE.match(value)
    if match is None:
        return None
    year, month = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2100 and 1 <= month <= 12):
        return None
    return dt.date(year, month, 1)


def parse_filter(user: Any, params: Any) -> tuple[AnalyticsFilter, dict[str, list[str]]]:
    """The filters from query parameters, with field errors for bad values (the page
    shows them, the API answers 400)."""
    from django.utils.translation import gettext as _

    out, errors = AnalyticsFilter(), {}
    for name in ("month_from", "month_to"):
        raw = (params.get(name) or "").strip()
        if raw:
            value = _month(raw)
            if value is None:
                errors[name] = [_("Enter a month as YYYY-MM.")]
            setattr(out, name, value)
    if out.month_from and out.month_to and out.month_from > out.month_to:
        errors["month_to"] = [_("The last month comes after the first.")]
    code = (params.get("region") or "").strip()
    if code:
        out.region = analytics_regions(user).filter(code=code).first()
        if out.region is None:
            errors["region"] = [_("Choose a region of your area.")]
    return out, errors


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def analytics_qs(user: Any, filters: AnalyticsFilter | None = None,
                 since: dt.date | None = None) -> QuerySet[Complaint]:
    """The complaints the analysis counts: the user's, not merged, filtered."""
    qs = Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
    if since is not None:
        qs = qs.filter(received_at__date__gte=since)
    f = filters or AnalyticsFilter()
    if f.month_from is not None:
        qs = qs.filter(received_at__date__gte=f.month_from)
    if f.month_to is not None:
        qs = qs.filter(received_at__date__lt=_next_month(f.month_to))
    if f.region is not None:
        qs = qs.filter(case__region__path__startswith=f.region.path)
    return qs


def analytics(user: Any, *, since: dt.date | None = None, until: dt.date | None = None,
              department: Any = None, filters: AnalyticsFilter | None = None
              ) -> dict[str, Any]:
    """Counts by the dimensions of 004 §6(2)1, each one grouped query over the scoped
    complaints: region, category, topic, channel (complainant side), month; the
    completion rate, the on-time rate of the hand-offs (overall and per department:
    the lead tasks closed by their deadline over those closed) and satisfaction. `until`
    ends the period (inclusive); `department` keeps the complaints it leads (a member
    unit's own analysis for the monthly consultation, 004 §6(3))."""
    qs = analytics_qs(user, filters, since)
    scope = scope_of(user)
    office = not (scope.kind == "user" and scope.role == Role.INSTITUTION_STAFF)
    if until is not None:
        qs = qs.filter(received_at__date__lte=until)
    if department is not None:
        qs = qs.filter(Exists(Task.objects.filter(case_id=OuterRef("case_id"),
                                                  department=department,
                                                  role=TaskRole.LEAD)))
    # The complaints' figures in one pass, and their lead hand-offs' in another: a
    # complaint's tasks are the tasks of its case's kind (`Task.case_kind`) on its case,
    # read on task_kind_done_idx without joining the tasks to the cases and the
    # complaints (issue 13: 23 queries, 3.6 s for a county and 11 s for a city at 100k
    # complaints).
    # The totals are sums of the counts by status and by rating (every complaint has
    # one of each), the hand-offs' of those by department (every task has one).
    grouped = _grouped_counts(qs)
    total = sum(row["n"] for row in grouped["status"])
    closed = sum(row["n"] for row in grouped["status"]
                 if row["status"] == ComplaintStatus.CLOSED)
    rated = [row for row in grouped["rating"] if row["rating"] != ""]
    satisfied = sum(row["n"] for row in rated
                    if row["rating"] in (Rating.SATISFIED, Rating.BASICALLY))
    on_time_q = Q(completed_at__date__lte=F("due_date"))
    done = Task.objects.filter(case_kind=KIND, role=TaskRole.LEAD, completed_at__isnull=False,
                               case_id__in=qs.values("case_id"))
    by_department: list[dict[str, Any]] = [
        {**row, "rate": _rate(row["on_time"], row["closed"])}
        for row in done.values("department__name").annotate(
            closed=Count("due_date"), on_time=Count("due_date", filter=on_time_q))
        .order_by("department__name")]
    handed: dict[str, int] = {key: sum(row[key] for row in by_department)
                              for key in ("closed", "on_time")}

    def by(field: str, choices: Any = None) -> list[dict[str, Any]]:
        """The counts by `field`, each labelled: a blank value (a complaint about an
        institution not in the register has no category) reads "Not given"."""
        rows = grouped[field]
        if choices is not None:
            for row in rows:
                row["label"] = label_of(choices, row[field]) if row[field] else \
                    gettext("Not given")
        return rows

    return {
        "total": total,
        "closed": closed,
        "completion_rate": _rate(closed, total),
        "on_time_rate": _rate(handed["on_time"], handed["closed"]),
        "satisfaction_rate": _rate(satisfied, sum(row["n"] for row in rated)),
        "by_region": by("case__region__name"),
        "by_category": by("case__category", Category),
        "by_topic": by("topic__name"),
        "by_channel": by("channel", Channel),
        "by_status": by("status", ComplaintStatus),
        "by_department": by_department,
        "by_rating": [{**r, "label": label_of(Rating, r["rating"])} for r in rated],
        "by_month": sorted(grouped["month"], key=lambda row: row["month"]),
        # `repeat_counts` among these complaints: they are already the reader's (its
        # office scope, but for an institution's staff, who have none), so they are
        # grouped as they are, not tested against the scope again (issue 13: 0.9 s).
        "repeats": list(
            qs.filter(case__institution__isnull=False)
            .values("case__institution__name", "case__institution__uscc")
            .annotate(n=Count("pk")).filter(n__gt=1)
            .order_by("-n", "case__institution__name")[:20]) if total and office else [],
        "repeat_complainants": [
            {"phone": mask(r["complainant_phone"]), "n": r["n"]}
            for r in qs.exclude(complainant_phone="").values("complainant_phone")
            .annotate(n=Count("pk")).filter(n__gt=1).order_by("-n")[:20]],
    }


#: The dimensions `analytics` counts the complaints by, each one grouping set.
GROUPED = ("case__region__name", "case__category", "topic__name", "channel", "status",
           "rating", "month")


def _grouped_counts(qs: QuerySet[Complaint]) -> dict[str, list[dict[str, Any]]]:
    """The complaints counted by each dimension of `GROUPED`, most first (ties in the
    dimension's order), as `qs.values(field).annotate(n=Count("pk")).order_by("-n",
    field)` would count each: in one pass over the complaints, one grouping set per
    dimension (issue 13: a query per dimension, and two for the totals, read a county's
    50k complaints and their cases nine times, 0.25 s each at 100k complaints)."""
    db = connections[qs.db]
    if db.vendor != "postgresql":  # SQLite (`make run`) has no GROUPING SETS
        return _counted_each(qs)
    inner = qs.annotate(month=TruncMonth("received_at")).values(*GROUPED).order_by()
    sql, params = inner.query.get_compiler(qs.db).as_sql()
    columns = ", ".join(f"d{i}" for i in range(len(GROUPED)))
    sets = ", ".join(f"(d{i})" for i in range(len(GROUPED)))
    with db.cursor() as cursor:
        cursor.execute(
            f"SELECT GROUPING({columns}), {columns}, COUNT(*) AS n "  # noqa: S608
            f"FROM ({sql}) AS t ({columns}) GROUP BY GROUPING SETS ({sets}) "
            f"ORDER BY 1, n DESC, {columns}", params)
        found = cursor.fetchall()
    convert = inner.query.annotations["month"].convert_value
    out: dict[str, list[dict[str, Any]]] = {field: [] for field in GROUPED}
    for row in found:
        # GROUPING() sets a bit for each column left out of the row's set, the first
        # column's the highest.
        i = [bit for bit in range(len(GROUPED))
             if not row[0] & (1 << (len(GROUPED) - 1 - bit))][0]
        value = row[1 + i]
        if GROUPED[i] == "month" and value is not None:
            value = convert(value, None, db)
        out[GROUPED[i]].append({GROUPED[i]: value, "n": row[-1]})
    return out


def _counted_each(qs: QuerySet[Complaint]) -> dict[str, list[dict[str, Any]]]:
    """`_grouped_counts` a query per dimension, where the database has no grouping sets."""
    inner = qs.annotate(month=TruncMonth("received_at"))
    return {field: list(inner.values(field).annotate(n=Count("pk")).order_by("-n", field))
            for field in GROUPED}


def chart_rows(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The analysis as {dimension: [{label, n}]}, for the charts and the export."""
    return {
        "region": [{"label": r["case__region__name"], "n": r["n"]} for r in data["by_region"]],
        "category": [{"label": r["label"], "n": r["n"]} for r in data["by_category"]],
        "topic": [{"label": r["topic__name"], "n": r["n"]} for r in data["by_topic"]],
        "channel": [{"label": r["label"], "n": r["n"]} for r in data["by_channel"]],
        "status": [{"label": r["label"], "n": r["n"]} for r in data["by_status"]],
        "rating": [{"label": r["label"], "n": r["n"]} for r in data["by_rating"]],
        "month": [{"label": r["month"].strftime("%Y-%m") if r["month"] else "", "n": r["n"]}
                  for r in data["by_month"]],
        "repeats": [{"label": r["case__institution__name"], "n": r["n"]}
                    for r in data["repeats"]],
        "repeat_complainants": [{"label": r["phone"], "n": r["n"]}
                                for r in data["repeat_complainants"]],
    }


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def counts_per_institution(user: Any, *, since: dt.date, minimum: int = 1
                           ) -> QuerySet[Any]:
    """Complaints received since a day, per institution, the institutions with at least
    `minimum` of them, most first ({"institution_id", "n"}); merged duplicates are not
    counted twice. For the inspections' targets (issue 9: institutions with many
    complaints).

    Written so that indexes answer it (issue 13): the window from the local midnight
    that begins `since` (a local date of receipt is no index's column), and the case's
    kind, which every complaint's case has (`services.complaint_submit`), so that the
    join reads the county's complaint cases from `case_complaint_county_idx` rather than
    every case of the county (23.5k pages -> 5.9k at 600k cases and 100k complaints).
    It stays a whole-county aggregate: the most complained-of institutions are known
    only once every complaint of the window is counted."""
    start = timezone.make_aware(dt.datetime.combine(since, dt.time.min))
    return (Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
            .filter(case__institution__isnull=False, case__kind=KIND, received_at__gte=start)
            .values(institution_id=F("case__institution_id")).annotate(n=Count("pk"))
            .filter(n__gte=minimum).order_by("-n", "institution_id"))
