"""Reads of institutions. What a user reads starts from the scope gateway; the facts that
services ask for themselves (a region's county, the profile's supervising department, a
ban, whether a course belongs to the licence) are read whole and never shown as lists."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from typing import Any

from django.core.cache import cache
from django.db.models import DateTimeField, F, Prefetch, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.paging import KeysetPage, keyset_page
from core.search import contains_text
from core.vocab import Category, DepartmentType, Phase, Step, label_of
from institutions import ports
from institutions.idnumbers import hash_id_number
from institutions.models import (
    Course,
    EmploymentBan,
    Institution,
    InstitutionStatus,
    ListStatus,
)
from org.models import Department, Region, RegionLevel
from org.scope import Action
from policy.profile import active_profile


def public_qs(user: Any) -> QuerySet[Institution]:
    return (Institution.objects.restrict(user, Action.PUBLIC)
            .select_related("region", "supervising_department"))


def public_search(user: Any, *, q: str = "", region: str = "", category: str = "",
                  ) -> QuerySet[Institution]:
    """Search the public register by name, credit code, region or category."""
    qs = search_register(public_qs(user), q)
    if region:
        qs = qs.filter(region__path__contains=f"/{region}/")
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("name", "id")


def search_register(qs: QuerySet[Institution], q: str) -> QuerySet[Institution]:
    """The institutions whose name holds `q` (case aside), or whose credit code is `q`.

    A credit code is looked up exactly, on its unique index (issue 13: 165 ms at 100k
    institutions by a scan of every name). Any other term is looked up in the names
    through their gram index (`core.search`: 62 ms at 100k for 培训 by a walk of every
    name). A stored code is 18 characters from the code's alphabet, in capitals
    (`uscc.validate_uscc`, `services` normalise it), so a term that is not 18 letters
    and digits names no code and only the names are searched."""
    code = q.strip().upper()
    if len(code) == 18 and code.isascii() and code.isalnum():
        return qs.filter(uscc=code)
    return qs.filter(contains_text("name", q)) if q else qs


def published_courses() -> Prefetch:
    return Prefetch("courses", queryset=Course.objects.filter(is_listed=True)
                    .prefetch_related("slots").order_by("name"), to_attr="listed_courses")


def public_detail(user: Any, uscc: str) -> Institution:
    return public_qs(user).prefetch_related(published_courses()).get(uscc=uscc.strip().upper())


def _in_county(qs: QuerySet[Institution], county: str) -> QuerySet[Institution]:
    return qs.filter(county_code=county) if county else qs


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


#: The version of the published lists; a change to any institution or region starts a new
#: one, so a cached page is never older than the register (issue 13: the white list cached
#: per county and invalidated on change).
PUBLIC_VERSION_KEY = "institutions:public-lists:version"
PUBLIC_CACHE_SECONDS = 600


def public_lists_changed() -> None:
    """Starts a new version of the published lists (called after a change commits)."""
    cache.set(PUBLIC_VERSION_KEY, uuid.uuid4().hex, None)


def white_list_page(user: Any, params: Mapping[str, Any], *, county: str = "",
                    relicensed: bool = False, size: int = 100) -> tuple[KeysetPage, list]:
    """One keyset page of the white list with the black list beside it, cached per county
    and page: at 100k institutions the page cost 16x its demo-size time (issue 13), and
    every parent's look-up reads the same rows. The published facts are the same for every
    reader (the PUBLIC action), so one cached copy serves all."""
    version = cache.get(PUBLIC_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        cache.add(PUBLIC_VERSION_KEY, version, None)
        version = cache.get(PUBLIC_VERSION_KEY, version)
    position = f"{params.get('after', '')}|{params.get('before', '')}"
    key = "institutions:white:" + hashlib.sha256(
        f"{version}|{county}|{relicensed}|{size}|{position}".encode()).hexdigest()
    cached = cache.get(key)
    if cached is None:
        page = keyset_page(white_list(user, county=county, relicensed=relicensed), params,
                           size=size, name="white")
        cached = (page, list(black_list(user, county=county)[:200]))
        cache.set(key, cached, PUBLIC_CACHE_SECONDS)
    return cached


def black_list(user: Any, *, county: str = "") -> QuerySet[Institution]:
    """The black list (004 §6(4)), approved and unlicensed institutions alike, each with
    its reason and `listed_since` (when its current listing began: as the inspections app
    recorded the decision, else when the registry listed it)."""
    facts = ports.record()
    since = Coalesce(facts.listed_since(), F("listed_at"), output_field=DateTimeField()) \
        if facts else F("listed_at")
    return _in_county(public_qs(user).filter(list_status=ListStatus.BLACK), county).annotate(
        listed_since=since).order_by("region__path", "name", "id")


def office_qs(user: Any) -> QuerySet[Institution]:
    return (Institution.objects.restrict(user, Action.VIEW)
            .select_related("region", "supervising_department"))


def county_of(region: Region) -> Region | None:
    code = region.county_code
    return Region.objects.filter(code=code).first() if code else None


def towns_in_county(region: Region) -> QuerySet[Region]:
    """The towns and grids of a region's county: where a change application may move an
    institution (a move to another county is a new establishment there)."""
    county = region.county_code
    if not county:
        return Region.objects.none()
    return Region.objects.filter(path__contains=f"/{county}/",
                                 level__gte=RegionLevel.TOWN).order_by("path")


def supervising_department_for(
        *, category: str, region: Region,
        departments: Mapping[tuple[str, str], Department] | None = None) -> Department:
    """The department the profile names as supervising department for the category, in
    the institution's county (001 §3(2)). `departments`, keyed by (county code, type), is
    a preloaded map for callers that ask for many institutions at once."""
    profile = active_profile()
    if category not in profile.supervised_categories:
        raise DomainError(_("This deployment does not supervise %(category)s institutions.")
                          % {"category": label_of(Category, category)}, field="category")
    dept_type = profile.supervisor_type(category)
    if dept_type is None or not region.county_code:
        raise DomainError(_("The institution's region must lie in a county."), field="region")
    if departments is not None:
        department = departments.get((region.county_code, dept_type))
    else:
        department = Department.objects.filter(region__code=region.county_code, type=dept_type,
                                               is_active=True).first()
    if department is None:
        raise DomainError(_("The county has no active %(type)s to supervise this category.")
                          % {"type": label_of(DepartmentType, dept_type)}, field="category")
    return department


def active_ban(id_number: str, on: dt.date | None = None) -> EmploymentBan | None:
    on = on or timezone.localdate()
    ban = EmploymentBan.objects.filter(id_number_hash=hash_id_number(id_number)).first()
    if ban and (ban.until is None or ban.until >= on):
        return ban
    return None


def staff_check_owners(institution: Institution) -> dict[str, str | None]:
    """The department type the profile names for each staff check (000 §3: credentials
    by education, records by police), read from the licensing cell once."""
    cell = active_profile().cell(institution.category, Phase.LICENSING,
                                 institution.region.county_code)
    out: dict[str, str | None] = {}
    for step in (Step.CREDENTIAL_VERIFICATION, Step.RECORD_CHECK):
        owner = cell.step_owner(step) if cell else None
        out[step] = owner.owner_type if owner else None
    return out


def staff_check_owner(institution: Institution, step: str) -> str | None:
    return staff_check_owners(institution).get(step)


LICENSED_STATES = (InstitutionStatus.LICENSED, InstitutionStatus.SUSPENDED)


def listing_needs_change(course: Course) -> bool:
    """Courses entered with the application were reviewed with it and are listed directly
    to meet the enrollment gate (000 §4(3)); a course added after the licence joins the
    listing through a change application (变更 covers courses)."""
    return course.added_after_licence and course.institution.status in LICENSED_STATES


def course_is_licensed(course: Course) -> bool:
    """A listed course of a licensed (or suspended) institution is part of what was
    licensed: it changes through a change application (变更), not in place."""
    return course.is_listed and course.institution.status in LICENSED_STATES


def course_in_application(course: Course) -> bool:
    """Whether a change application in progress carries this course (asked of the
    licensing app through `institutions.ports`)."""
    return ports.licensing().course_in_application(course)


def white_list_checklist(institution: Institution) -> list[dict[str, Any]]:
    """What the white list asks of an institution (004 §6(4): licensed institutions that
    pass the enrollment gate, 000 §4(3); never one on the black list), each condition
    with whether it is met and, if not, what is missing and who acts (issue 14 C5). Uses
    the institution's prefetched courses when the caller loaded them."""
    gate = institution.gate_conditions
    prefetched = getattr(institution, "_prefetched_objects_cache", {}).get("courses")
    courses = list(prefetched) if prefetched is not None else list(institution.courses.all())
    licensed = institution.status == InstitutionStatus.LICENSED
    return [
        {"key": "licence", "label": _("A school-running licence"), "met": licensed,
         "source": "004 §6(4)",
         "missing": "" if licensed else
         _("The institution is %(status)s: a licence comes from a licensing application "
           "that the departments approve.") % {"status": institution.get_status_display()}},
        {"key": "fund_account", "label": _("Fund-supervision account and payment channel"),
         "met": gate["fund_account"], "source": "000 §4(3)",
         "missing": "" if gate["fund_account"] else
         _("No supervision arrangement yet: the supervising department records the "
           "account and payment channel on the institution's funds page.")},
        {"key": "national_platform", "label": _("Account on the national platform"),
         "met": gate["national_platform"], "source": "000 §4(3)",
         "missing": "" if gate["national_platform"] else
         _("Not recorded yet: the supervising department records it.")},
        {"key": "courses_listed", "label": _("Courses listed"), "met": gate["courses_listed"],
         "source": "000 §4(3)",
         "missing": "" if gate["courses_listed"] else
         (_("None of its %(n)s courses is listed on the platform yet: list one in the "
            "course table.") % {"n": len(courses)} if courses else
          _("No course is entered yet: add a course, then list it."))},
        {"key": "not_black", "label": _("Not on the black list"),
         "met": institution.list_status != ListStatus.BLACK, "source": "004 §6(4)",
         "missing": "" if institution.list_status != ListStatus.BLACK else
         (institution.list_reason or _("On the black list."))},
    ]
