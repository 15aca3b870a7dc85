"""The demo fills every chart of the dashboards (issue 12): the city admin compares the two
districts, a district admin reads overdue and escalated tasks by department, and the
coverage targets of 004 §2 show figures for each target."""

import pytest
from django.test import Client

from org.models import User
from portal.demo import load_demo
from reports import dashboards

pytestmark = pytest.mark.django_db


def test_demo_fills_the_dashboards():
    load_demo()
    city = User.objects.get(username="kunming_admin")
    charts = {c.key: c for c in dashboards.charts(city)}
    assert len(charts["tasks"].categories) == 2
    for key in ("tasks", "licensing", "complaint_trend", "coverage", "institutions_status",
                "institutions_category", "inspections"):
        assert not charts[key].empty, key
    assert all(v for s in charts["coverage"].series for v in s.values), "each target met somewhere"
    county_admin = User.objects.filter(role="county_admin").order_by("username").first()
    tasks = dashboards.tasks_chart(county_admin)
    assert any(tasks.series[2].values), "an escalated task in the district"
    client = Client()
    client.force_login(county_admin)
    assert client.get("/office/reports/dashboard/").status_code == 200
    # Every figure the admin reads opens the task overview; the joint-meeting office reads
    # the figures but may not open the overview (it answers 404), so its figures link nowhere.
    links = {link for s in tasks.series for link in s.links}
    assert links and all(client.get(link).status_code == 200 for link in list(links)[:2])
    joint = User.objects.get(username=county_admin.username.replace("_admin", "_joint"))
    joint_tasks = dashboards.tasks_chart(joint)
    assert joint_tasks.categories and not any(s.links[i] for s in joint_tasks.series
                                               for i in range(len(s.values)))
    client.force_login(joint)
    page = client.get("/office/").content.decode()
    assert "/office/tasks/overview/" not in page
