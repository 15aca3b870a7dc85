"""Issue 13: an API list's page query is compiled once per principal, query string and
page shape, and reused with the cursor's position as its one changing parameter
(core.api.listcache). What it answers must be what Django's own path answers, page by
page, for every principal; what it may not keep, it does not keep."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.api import CaseViewSet
from cases.models import Case
from core import versions
from core.api import listcache
from core.api.listcache import ListRecorder
from institutions.models import Institution
from institutions.tests.helpers import register
from org.models import Region, RegionLevel
from tests.factories import make_case, make_task

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def _walk(client: Client, path: str) -> list[list[dict]]:
    """Every page forward by `next`, then back by `previous` from the last."""
    pages, url = [], f"{path}?page_size=2"
    while url:
        body = client.get(url).json()
        pages.append(body["results"])
        last, url = body, body["next"]
    url = last["previous"]
    while url:
        body = client.get(url).json()
        pages.append(body["results"])
        url = body["previous"]
    return pages


@pytest.fixture
def rows(world):  # type: ignore[no-untyped-def]
    for county in (world.a, world.b):
        for i in range(5):
            case = make_case(county, title=f"事项{i}")
            make_task(county, case, workdays=1 + i % 3)  # some share a due date
    for i in range(5):
        register(world, n=300 + i, name=f"机构{i}")
    return world


@pytest.mark.parametrize(("path", "who"), [
    ("/api/v1/cases/", "county_admin"), ("/api/v1/cases/", "officer"),
    ("/api/v1/cases/", "city_admin"), ("/api/v1/institutions/", "county_admin"),
    ("/api/v1/institutions/", "city_admin"), ("/api/v1/tasks/mine/", "officer"),
    ("/api/v1/tasks/mine/", "head")])
def test_every_page_forward_and_back_is_what_django_answers(rows, settings, path, who):
    user = rows.city_admin if who == "city_admin" else rows.a.users[who]
    client = _client(user)
    settings.LIST_QUERY_CACHE = False
    expected = _walk(client, path)
    settings.LIST_QUERY_CACHE = True
    assert _walk(client, path) == expected  # compiled on the way
    assert _walk(client, path) == expected  # and reused
    assert sum(len(page) for page in expected) > 2  # more than one page each way
    # One compiled query per page shape (first page; a position forward; backward),
    # not one per page.
    assert 1 <= listcache.size() <= 4


def test_a_page_read_again_builds_no_queryset_and_runs_one_query(rows):
    client = _client(rows.a.users["county_admin"])
    with mock.patch.object(CaseViewSet, "get_queryset", autospec=True,
                           side_effect=CaseViewSet.get_queryset) as built:
        first = client.get("/api/v1/cases/").json()
        assert built.call_count == 2  # compiled, and compiled again to compare
        with CaptureQueriesContext(connection) as queries:
            again = client.get("/api/v1/cases/").json()
        assert built.call_count == 2
    assert again == first and len(first["results"]) == 5
    listed = [q for q in queries.captured_queries if '"cases_case"' in q["sql"]]
    assert len(listed) == 1


def test_a_principal_never_reads_another_ones_compiled_list(rows):
    a = _client(rows.a.users["county_admin"]).get("/api/v1/cases/").json()["results"]
    b = _client(rows.b.users["county_admin"]).get("/api/v1/cases/").json()["results"]
    assert {r["region"] for r in a} == {rows.a.region.code}
    assert {r["region"] for r in b} == {rows.b.region.code}
    # The same user moved to the other county reads that county's list next.
    admin = rows.a.users["county_admin"]
    admin.region = rows.b.region
    admin.save()
    moved = _client(admin).get("/api/v1/cases/").json()["results"]
    assert {r["region"] for r in moved} == {rows.b.region.code}


def test_a_filtered_list_is_built_as_before(rows):
    client = _client(rows.a.users["county_admin"])
    body = client.get("/api/v1/cases/?state=open").json()
    assert listcache.size() == 0
    assert len(body["results"]) == 5
    assert client.get("/api/v1/cases/?state=closed").json()["results"] == []


def test_nothing_is_kept_when_the_setting_is_off(rows, settings):
    settings.LIST_QUERY_CACHE = False
    assert len(_client(rows.a.users["county_admin"]).get("/api/v1/cases/").json()[
        "results"]) == 5
    assert listcache.size() == 0


def _recorder(build, key="k") -> ListRecorder:  # type: ignore[no-untyped-def]
    return ListRecorder(Region, build, lambda: key).values("id", "code").order_by("id")


def test_a_list_built_from_versioned_data_is_built_again_when_it_changes(world):
    state = {"version": 1}
    versions.versioned("test-list-cache", lambda: state["version"])
    builds = []

    def build():  # type: ignore[no-untyped-def]
        builds.append(1)
        versions.note_read("test-list-cache", state["version"])
        return Region.objects.filter(code__startswith="53")

    expected = list(Region.objects.filter(code__startswith="53").order_by("id")
                    .values("id", "code"))
    assert list(_recorder(build)) == expected and len(builds) == 2
    assert list(_recorder(build)) == expected and len(builds) == 2  # reused
    state["version"] = 2
    assert list(_recorder(build)) == expected and len(builds) == 4  # built again


def test_a_list_whose_building_reads_the_database_is_not_kept(world):
    def build():  # type: ignore[no-untyped-def]
        codes = list(Region.objects.filter(level=RegionLevel.COUNTY).values_list("code", flat=True))
        return Region.objects.filter(code__in=codes)  # the rows read are baked in

    first = list(_recorder(build))
    assert len(first) == 2 and listcache.size() == 0
    Region.objects.create(code="530193", name="丙区", level=RegionLevel.COUNTY, parent=world.city)
    assert len(list(_recorder(build))) == 3


def test_a_list_that_reads_the_clock_is_not_kept(world):
    make_case(world.a)
    recorder = ListRecorder(Case, lambda: Case.objects.filter(opened_at__lte=timezone.now()),
                            lambda: "k").values("id").order_by("id")
    assert len(list(recorder)) == 1
    assert listcache.size() == 0


def test_a_position_that_cannot_be_told_from_another_parameter_is_not_kept(world):
    regions = list(Region.objects.order_by("id").values_list("id", flat=True))
    pivot = regions[2]

    def build():  # type: ignore[no-untyped-def]
        return Region.objects.filter(id__lte=pivot)

    recorder = ListRecorder(Region, build, lambda: "k").values("id").paging()
    rows = list(recorder.order_by("-id").filter(id__lt=str(pivot))[0:10])
    assert [r["id"] for r in rows] == [i for i in reversed(regions) if i < pivot][:10]
    assert listcache.size() == 0  # the position's value is also the scope's parameter
    # Another position reads its own rows through the same compiled shape elsewhere.
    other = list(recorder.order_by("-id").filter(id__lt=str(regions[1]))[0:10])
    assert [r["id"] for r in other] == [regions[0]]


def test_a_position_is_a_parameter_of_the_compiled_query(world):
    regions = list(Region.objects.order_by("id").values_list("id", flat=True))
    recorder = ListRecorder(Region, lambda: Region.objects.all(), lambda: "k"
                            ).values("id").paging().order_by("-id")
    for pivot in regions[1:]:
        rows = list(recorder.filter(id__lt=str(pivot))[0:2])
        assert [r["id"] for r in rows] == [i for i in reversed(regions) if i < pivot][:2]
    assert listcache.size() == 1


def test_a_value_that_is_not_plain_data_is_built_as_before(world):
    make_case(world.a)
    recorder = ListRecorder(Case, lambda: Case.objects.all(), lambda: "k").filter(
        institution__in=Institution.objects.all()).values("id")
    assert list(recorder) == []
    assert listcache.size() == 0
    # Any other queryset method is the real queryset's.
    assert ListRecorder(Case, lambda: Case.objects.all(), lambda: "k").count() == 1


def test_a_list_that_can_never_be_kept_is_built_once_per_call_after_the_first(world):
    """A build whose SQL moves between builds (the clock) is refused for its key: later
    calls build it once, as Django does, not twice to find that out again."""
    make_case(world.a)
    builds = []

    def build():  # type: ignore[no-untyped-def]
        builds.append(1)
        return Case.objects.filter(opened_at__lte=timezone.now())

    for _ in range(3):
        recorder = ListRecorder(Case, build, lambda: "clock").values("id").order_by("id")
        assert len(list(recorder)) == 1
    assert len(builds) == 2 + 1 + 1 and listcache.size() == 0
