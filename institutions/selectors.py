"""Reads of institutions; every one starts from the scope gateway."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from institutions import ports
from institutions.models import (
    Course,
    Enrolment,
    Institution,
    InstitutionStatus,
    ListStatus,
)
from org.scope import Action


def public_qs(user: Any) -> QuerySet[Institution]:
    return (Institution.objects.restrict(user, Action.PUBLIC)
            .select_related("region", "supervising_department"))


def public_search(user: Any, *, q: str = "", region: str = "", category: str = "",
                  ) -> QuerySet[Institution]:
    """Search the public register by name, credit code, region or category."""
    qs = public_qs(user)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__iexact=q.strip().upper()))
    if region:
        qs = qs.filter(region__path__contains=f"/{region}/")
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("name", "id")


def published_courses() -> Prefetch:
    return Prefetch("courses", queryset=Course.objects.filter(is_listed=True)
                    .prefetch_related("slots").order_by("name"), to_attr="listed_courses")


def public_detail(user: Any, uscc: str) -> Institution:
    return public_qs(user).prefetch_related(published_courses()).get(uscc=uscc.strip().upper())


def _in_county(qs: QuerySet[Institution], county: str) -> QuerySet[Institution]:
    return qs.filter(region__path__contains=f"/{county}/") if county else qs


def white_list(user: Any, *, county: str = "", relicensed: bool = False
               ) -> QuerySet[Institution]:
    """Licensed institutions that pass the enrollment gate (004 §6(4), 000 §4(3)), per
    county if asked; `relicensed` marks those re-approved through re-licensing
    (重新审批登记, 004), which counties publish."""
    qs = public_qs(user).filter(status=InstitutionStatus.LICENSED,
                                list_status=ListStatus.WHITE).annotate(relicensed=ports.licensing().relicensed())
    if relicensed:
        qs = qs.filter(relicensed=True)
    return _in_county(qs, county).order_by("region__path", "name", "id")


def black_list(user: Any, *, county: str = "") -> QuerySet[Institution]:
    return _in_county(public_qs(user).filter(list_status=ListStatus.BLACK), county).order_by(
        "region__path", "name", "id")


def office_qs(user: Any) -> QuerySet[Institution]:
    return (Institution.objects.restrict(user, Action.VIEW)
            .select_related("region", "supervising_department"))


def enrolments(user: Any, institution: Institution) -> QuerySet[Enrolment]:
    return (Enrolment.objects.restrict(user).filter(institution=institution)
            .select_related("course", "fee_plan").order_by("-enrolled_on", "-id"))
