"""Issue 13: the task pages (mine, the department's, the county overview) page by keyset
in every order the reader may pick: every row once, forward and back, no COUNT(*), the
deepest page costs the first's queries; a position made in another order, another list
or forged reads as the first page. Issue 12: `escalated=yes` lists the tasks the overdue
scan escalated, alone or with the region and department the dashboards link with."""

import pytest
from django.test import Client

from cases.models import Task, TaskStatus
from cases.selectors import TASK_ORDERS
from cases.views import PAGE_SIZE
from core.vocab import DepartmentType
from tests.factories import make_case, make_task
from tests.growth import grow_county_tasks, grow_my_tasks
from tests.keyset import assert_walks_every_row_once, first_token

pytestmark = pytest.mark.django_db

ROWS = PAGE_SIZE * 2 + 7
LISTS = [("/office/tasks/mine/", "officer"), ("/office/tasks/department/", "head"),
         ("/office/tasks/overview/", "county_admin")]


def _escalate(every: int) -> None:
    """Mark every `every`-th task escalated (level 1, or 2 for every other one), as the
    overdue scan would."""
    ids = list(Task.objects.order_by("id").values_list("id", flat=True))
    Task.objects.filter(id__in=ids[::every]).update(escalation_level=1)
    Task.objects.filter(id__in=ids[::every * 2]).update(escalation_level=2)


def _login(world, who):
    client = Client()
    client.force_login(world.a.users[who])
    return client


def test_every_task_page_walks_every_row_once_in_each_order(world):
    grow_my_tasks(world, 0, ROWS)  # the officer's, the department's and the county's
    _escalate(3)
    for url, who in LISTS:
        client = _login(world, who)
        for order, (_label, keys) in TASK_ORDERS.items():
            assert keys[-1].lstrip("-") == "id"  # the id breaks ties: the order is unique
            expected = list(client.get(url, {"order": order, "status": "all"})
                            .context["filter"].qs.values_list("pk", flat=True))
            assert len(expected) >= ROWS
            assert_walks_every_row_once(client, f"{url}?order={order}&status=all", expected)


def test_a_position_from_another_order_list_or_forged_reads_as_the_first_page(world):
    grow_my_tasks(world, 0, ROWS)
    client = _login(world, "head")
    url = "/office/tasks/department/"
    due = client.get(url).context["page"]
    newest = client.get(url, {"order": "newest"}).context["page"]
    first_due = [t.pk for t in due.object_list]
    first_newest = [t.pk for t in newest.object_list]
    assert first_due != first_newest
    token = due.next_token
    # The due-date position in the newest-first order: the first page of that order.
    page = client.get(url, {"order": "newest", "after": token}).context["page"]
    assert [t.pk for t in page.object_list] == first_newest and not page.has_previous
    # The same position in its own order goes on.
    page = client.get(url, {"after": token}).context["page"]
    assert page.has_previous and set(first_due).isdisjoint(t.pk for t in page.object_list)
    # The overview's token on the department's page, and forged ones.
    overview = first_token(_login(world, "county_admin"), "/office/tasks/overview/")
    for forged in (overview, "x", "W1siaGkiXV0:1abc:zzz", "a" * 5000):
        for param in ("after", "before"):
            page = client.get(url, {param: forged}).context["page"]
            assert [t.pk for t in page.object_list] == first_due, (forged[:20], param)


def test_the_task_orders_read_as_named(world):
    grow_county_tasks(world, 0, 30)
    _escalate(4)
    client = _login(world, "county_admin")
    rows = list(client.get("/office/tasks/overview/", {"order": "escalation"})
                .context["page"].object_list)
    levels = [t.escalation_level for t in rows]
    assert levels == sorted(levels, reverse=True) and levels[0] == 2
    rows = list(client.get("/office/tasks/overview/").context["page"].object_list)
    assert [t.due_date for t in rows] == sorted(t.due_date for t in rows)
    rows = list(client.get("/office/tasks/overview/", {"order": "newest"})
                .context["page"].object_list)
    assert [t.pk for t in rows] == sorted((t.pk for t in rows), reverse=True)
    body = client.get("/office/tasks/overview/").content.decode()
    assert 'name="order"' in body
    assert client.get("/office/tasks/overview/", {"order": "nope"}).status_code == 200


def test_escalated_yes_lists_the_escalated_tasks_with_region_and_department(world):
    """Issue 12 "Dashboards": the escalated figures open
    `cases:overview?escalated=yes&region=<code>` and `...&department=<id>`; both
    parameters work alone and together, and with the department's own list."""
    town_case = make_case(world.a, title="镇上事项", region=world.a.town)
    county_case = make_case(world.a, title="区里事项")
    tasks = {
        "town_edu": make_task(world.a, town_case),
        "town_culture": make_task(world.a, town_case, dept=DepartmentType.CULTURE_TOURISM),
        "county_edu": make_task(world.a, county_case),
        "county_edu_calm": make_task(world.a, county_case),
        "done_edu": make_task(world.a, county_case),
    }
    Task.objects.filter(pk__in=[t.pk for k, t in tasks.items() if k != "county_edu_calm"]) \
        .update(escalation_level=1)
    Task.objects.filter(pk=tasks["done_edu"].pk).update(status=TaskStatus.RETURNED,
                                                         return_reason="不属本部门")
    edu = world.a.depts[DepartmentType.EDUCATION_SPORTS]

    def shown(client, url, **params):
        response = client.get(url, params)
        assert response.status_code == 200
        assert not response.context["filter"].errors, response.context["filter"].errors
        return {t.pk for t in response.context["page"].object_list}

    def ids(*keys):
        return {tasks[k].pk for k in keys}

    admin = _login(world, "county_admin")
    overview = "/office/tasks/overview/"
    assert shown(admin, overview, escalated="yes") == ids("town_edu", "town_culture",
                                                           "county_edu")
    assert shown(admin, overview, escalated="no") == ids("county_edu_calm")
    assert shown(admin, overview, escalated="yes", region=world.a.town.code) == \
        ids("town_edu", "town_culture")
    assert shown(admin, overview, escalated="yes", department=edu.pk) == \
        ids("town_edu", "county_edu")
    assert shown(admin, overview, escalated="yes", region=world.a.town.code,
                 department=edu.pk) == ids("town_edu")
    assert shown(admin, overview, escalated="yes", region=world.a.region.code,
                 department=edu.pk, status="all") == ids("town_edu", "county_edu", "done_edu")
    # The city admin follows the same links from the city's dashboard.
    city = Client()
    city.force_login(world.city_admin)
    assert shown(city, overview, escalated="yes", region=world.a.region.code,
                 department=edu.pk) == ids("town_edu", "county_edu")
    # The department's own list filters by overdue, and so by escalation too.
    head = _login(world, "head")
    assert shown(head, "/office/tasks/department/", escalated="yes") == \
        ids("town_edu", "county_edu")


def test_task_pages_cost_the_same_queries_at_a_few_and_many_rows(world):
    """STYLE.md §6: the first page and a deep page, at 5 and 120 rows, in every order."""
    client = _login(world, "county_admin")
    grow_county_tasks(world, 0, 5)
    few = {o: len(_queries(client, f"/office/tasks/overview/?order={o}")) for o in TASK_ORDERS}
    grow_county_tasks(world, 5, 120)
    for order in TASK_ORDERS:
        url = f"/office/tasks/overview/?order={order}"
        token = client.get(url).context["page"].next_token
        assert len(_queries(client, url)) == few[order]
        assert len(_queries(client, f"{url}&after={token}")) == few[order]


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return captured.captured_queries
