"""The list and detail URLs of the cases app, through the generic URL test case
(tests/generic.py): lists, the detail permission matrix and the query budgets."""

from __future__ import annotations

from typing import Any

import pytest

from cases.models import Case, Notification, Task
from tests.factories import World, make_case, make_task
from tests.generic import URLTests
from tests.growth import grow_cases, grow_my_tasks

pytestmark = pytest.mark.django_db


class TestCaseURLs(URLTests):
    """An arts / daily-supervision case with an education-sports task."""

    html_list = "/office/cases/"
    api_list = "/api/v1/cases/"
    #: The admins, the joint office, discipline (read), education-sports (task and lead),
    #: culture-tourism and market regulation (matrix assist under 000 §3(1)3).
    viewers = {"officer", "head", "culture", "market", "county_admin", "joint", "discipline"}
    #: A session user's request spends 6 or 7 queries before the page's own reads (the
    #: session, the user, the user's region and department); HTML adds the unread count.
    html_budget, api_budget = 10, 7  # +1: the regions offered by name (issue 14 C9)
    budget_role = "county_admin"

    def build(self, world: World, key: str) -> Case:
        county = world.county(key)
        case = make_case(county, title=f"{key}-巡查")
        make_task(county, case)
        return case

    def html_detail(self, obj: Case) -> str:
        return f"/office/cases/{obj.number}/"

    def api_detail(self, obj: Case) -> str:
        return f"/api/v1/cases/{obj.number}/"

    def api_key(self, obj: Case) -> tuple[str, Any]:
        return ("number", obj.number)

    def grow(self, world: World, start: int, stop: int) -> None:
        grow_cases(world, start, stop)


class TestNotificationURLs(URLTests):
    """The notification a new task sends its assignee: only the recipient has it, and
    opening it leads to the case (the inbox's button posts, which marks it read)."""

    html_list = "/office/notifications/"
    api_list = "/api/v1/notifications/"
    viewers = {"officer"}
    detail_ok = (302,)
    html_budget, api_budget = 10, 8
    budget_role = "officer"

    def build(self, world: World, key: str) -> Notification:
        county = world.county(key)
        officer = county.users["officer"]
        task = make_task(county, make_case(county), assignee=officer)
        return Notification.objects.get(recipient=officer, task=task)

    def html_detail(self, obj: Notification) -> str:
        return f"/office/notifications/{obj.pk}/"

    def html_marker(self, obj: Notification) -> str:
        return f'action="{self.html_detail(obj)}"'

    def grow(self, world: World, start: int, stop: int) -> None:
        grow_my_tasks(world, start, stop)


class TestMyTaskURLs(URLTests):
    """待办: an open education-sports task nobody has taken yet is in the list of every
    worker of the department; the HTML list links to its case."""

    html_list = "/office/tasks/mine/"
    api_list = "/api/v1/tasks/mine/"
    viewers = {"officer", "head"}
    #: +1 for the department choices of the task filter.
    html_budget, api_budget = 11, 8
    budget_role = "officer"

    def build(self, world: World, key: str) -> Task:
        county = world.county(key)
        return make_task(county, make_case(county, title=f"{key}-巡查"))

    def html_marker(self, obj: Task) -> str:
        return f'href="/office/cases/{obj.case.number}/"'

    def api_detail(self, obj: Task) -> str:
        return f"/api/v1/tasks/mine/{obj.pk}/"

    def grow(self, world: World, start: int, stop: int) -> None:
        grow_my_tasks(world, start, stop)
