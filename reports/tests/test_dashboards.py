import pytest

from reports import dashboards
from reports.tests.helpers import institution, login, overdue_task

pytestmark = pytest.mark.django_db


def test_smoke(world):
    institution(world, "a", 1, platform=True, funds=True, audited=True)
    institution(world, "b", 2)
    overdue_task(world, "a", escalated=True)
    overdue_task(world, "b")
    for user in (world.a.users["county_admin"], world.city_admin, world.a.users["head"]):
        for chart in dashboards.charts(user):
            print(user, chart.key, chart.categories, [(str(s.name), s.values) for s in chart.series])
        r = login(user).get("/office/reports/dashboard/")
        assert r.status_code == 200
        r = login(user).get("/office/")
        assert r.status_code == 200
        r = login(user).get("/office/reports/coverage/")
        assert r.status_code == 200
