"""Reads of complaints: the office list, the case chain, likely duplicates, repeat counts
and the analysis by the dimensions of 004 §6(2)1 (region, category, item, complainant,
repeat count, completion rate, satisfaction)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from cases.models import Task, TaskRole
from complaints.models import Channel, Complaint, ComplaintStatus, Rating
from core.abilities import may
from core.vocab import Category, label_of
from org.scope import Action, scope_of

#: Within this many days, the same phone about the same institution is a likely repeat.
DUPLICATE_DAYS = 30
DUPLICATE_SIMILARITY = 0.3


def office_qs(user: Any, action: str = Action.VIEW) -> QuerySet[Complaint]:
    return (Complaint.objects.restrict(user, action)
            .select_related("case", "case__region", "case__institution", "topic"))


def office_list(user: Any, *, status: str = "", topic: str = "", q: str = "",
                ) -> QuerySet[Complaint]:
    qs = office_qs(user)
    if status:
        qs = qs.filter(status=status)
    if topic:
        qs = qs.filter(topic__code=topic)
    if q:
        qs = qs.filter(Q(case__number__icontains=q) | Q(case__institution__name__icontains=q) |
                       Q(institution_text__icontains=q))
    department_id = scope_of(user).department_id
    return qs.annotate(
        open_overdue=Exists(Task.objects.filter(case=OuterRef("case"), status="open",
                                                overdue_since__isnull=False)),
        # read by the see_identity ability instead of a query per row
        handled_by_me=Exists(Task.objects.filter(case=OuterRef("case"),
                                                 department_id=department_id or 0)))


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


def chain(complaint: Complaint) -> list[Hop]:
    today = timezone.localdate()
    hops = []
    for task in complaint.case.tasks.select_related("department").order_by("created_at", "id"):
        end = timezone.localdate(task.completed_at) if task.completed_at else today
        start = timezone.localdate(task.created_at)
        hops.append(Hop(task=task, held_days=(end - start).days, on_time=end <= task.due_date))
    return hops


def duplicates(user: Any, complaint: Complaint) -> list[Complaint]:
    """Likely duplicates the user can see: the same phone about the same institution
    within DUPLICATE_DAYS, or the same institution with similar text (PostgreSQL trigram
    similarity; elsewhere, the same first 20 characters)."""
    inst_id = complaint.case.institution_id
    qs = office_qs(user).exclude(pk=complaint.pk).filter(duplicate_of__isnull=True)
    if inst_id is not None:
        same = qs.filter(case__institution_id=inst_id)
    elif complaint.institution_text:
        same = qs.filter(institution_text=complaint.institution_text)
    else:
        return []
    since = complaint.received_at - dt.timedelta(days=DUPLICATE_DAYS)
    match = Q(pk__in=[])
    if complaint.complainant_phone:
        match |= Q(complainant_phone=complaint.complainant_phone, received_at__gte=since)
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import TrigramSimilarity

        similar = same.annotate(sim=TrigramSimilarity("description", complaint.description)
                                ).filter(sim__gte=DUPLICATE_SIMILARITY).values("pk")
        match |= Q(pk__in=similar)
    else:
        match |= Q(description__startswith=complaint.description[:20])
    return list(same.filter(match).order_by("received_at")[:10])


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


def analytics(user: Any, *, since: dt.date | None = None) -> dict[str, Any]:
    """Counts by the dimensions of 004 §6(2)1, each one grouped query over the scoped
    complaints: region, category, topic, channel (complainant side), month; the
    completion rate, the on-time rate of the hand-offs and satisfaction."""
    qs = Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
    if since is not None:
        qs = qs.filter(received_at__date__gte=since)
    total = qs.count()
    closed = qs.filter(status=ComplaintStatus.CLOSED).count()
    tasks = Task.objects.filter(case__complaint__in=qs, role=TaskRole.LEAD)
    done = tasks.filter(completed_at__isnull=False)
    on_time = done.filter(completed_at__date__lte=F("due_date")).count()
    rated = qs.exclude(rating="")
    satisfied = rated.filter(rating__in=[Rating.SATISFIED, Rating.BASICALLY]).count()

    def by(field: str, choices: Any = None) -> list[dict[str, Any]]:
        rows = list(qs.values(field).annotate(n=Count("pk")).order_by("-n", field))
        if choices is not None:
            for row in rows:
                row["label"] = label_of(choices, row[field]) if row[field] else "—"
        return rows

    return {
        "total": total,
        "closed": closed,
        "completion_rate": _rate(closed, total),
        "on_time_rate": _rate(on_time, done.count()),
        "satisfaction_rate": _rate(satisfied, rated.count()),
        "by_region": by("case__region__name"),
        "by_category": by("case__category", Category),
        "by_topic": by("topic__name"),
        "by_channel": by("channel", Channel),
        "by_status": by("status", ComplaintStatus),
        "by_rating": [{**r, "label": label_of(Rating, r["rating"])} for r in
                      rated.values("rating").annotate(n=Count("pk")).order_by("-n")],
        "by_month": list(qs.annotate(month=TruncMonth("received_at")).values("month")
                         .annotate(n=Count("pk")).order_by("month")),
        "repeats": list(repeat_counts(user).filter(
            pk__in=qs.values("pk"))[:20]) if total else [],
        "repeat_complainants": [
            {"phone": mask(r["complainant_phone"]), "n": r["n"]}
            for r in qs.exclude(complainant_phone="").values("complainant_phone")
            .annotate(n=Count("pk")).filter(n__gt=1).order_by("-n")[:20]],
    }


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
    complaints)."""
    return (Complaint.objects.restrict(user).exclude(status=ComplaintStatus.MERGED)
            .filter(case__institution__isnull=False, received_at__date__gte=since)
            .values(institution_id=F("case__institution_id")).annotate(n=Count("pk"))
            .filter(n__gte=minimum).order_by("-n", "institution_id"))
