"""The deadline scan's digests (issue 13): a recipient told of more than DIGEST_AFTER
tasks of one step (reminder, overdue, escalation level 1 or 2) in one scan run reads one
notification with their count and case numbers, and one e-mail, instead of one of each
per task; it opens the task list that holds them. Who is told is unchanged
(test_deadline_backlog.py follows each task's notices to its people).

Tasks are assigned on Monday 2026-06-01 for 5 working days (due 06-08); on 06-12 a first
scan marks them overdue and escalates them to both levels (kunming profile:
escalation_level2_after 3)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import translation

from cases import selectors, services
from cases.models import Notification, Task
from tests.factories import World, make_case

D = dt.date
ASSIGNED, LEVEL2_DAY = D(2026, 6, 1), D(2026, 6, 12)
Kind = Notification.Kind


@pytest.fixture(params=[False, True], ids=["orm", "sql"])
def path(request, monkeypatch):
    """Each test on the ORM batches (SQLite's) and on the SQL batches (PostgreSQL's)."""
    from django.db import connection

    if request.param and connection.vendor != "postgresql":
        pytest.skip("the SQL batches are PostgreSQL's")
    monkeypatch.setattr(services, "_sql_scan", lambda: request.param)
    return request.param


def education_tasks(world: World, n: int, *, county: str = "a") -> list[Task]:
    """`n` unassigned tasks of the county's education department (it has a head), each
    on a case of its own."""
    c = world.county(county)
    return [services.task_assign(actor=c.users["county_admin"], case=make_case(c),
                                 department=c.depts["education_sports"], role="lead",
                                 duty=f"办理事项{i}", workdays=5, today=ASSIGNED)
            for i in range(n)]


def scan_notices(**kwargs) -> list[Notification]:
    first = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    services.deadline_scan(today=LEVEL2_DAY, **kwargs)
    return list(Notification.objects.filter(pk__gt=first).select_related("recipient")
                .order_by("pk"))


def by_person(notes: list[Notification]) -> dict[tuple[str, str, int | None], list]:
    out: dict[tuple[str, str, int | None], list] = {}
    for n in notes:
        key = (n.recipient.username, n.kind, n.title_params.get("level"))
        out.setdefault(key, []).append(n)
    return out


@pytest.mark.django_db
def test_more_than_the_limit_of_tasks_reach_each_person_as_one_digest_per_step(
        world: World, path):
    tasks = education_tasks(world, services.DIGEST_AFTER + 3)
    numbers = [t.case.number for t in tasks]
    heard = by_person(scan_notices())
    # The education department's working staff (no assignee), its head, the county admin.
    assert sorted(heard) == [("a_county_admin", Kind.ESCALATION, 2),
                             ("a_head", Kind.ESCALATION, 1), ("a_head", Kind.OVERDUE, None),
                             ("a_officer", Kind.OVERDUE, None)]
    for (_who, _kind, level), notes in heard.items():
        assert len(notes) == 1
        digest = notes[0]
        assert (digest.case_id, digest.task_id) == (None, None)
        assert services.is_scan_digest(digest)
        assert digest.title_params == ({"count": 8, "level": level} if level else {"count": 8})
        assert digest.body == ", ".join(numbers)
    with translation.override("zh-hans"):
        assert heard["a_head", Kind.ESCALATION, 1][0].display_title == "8 项逾期任务已升级督办（第1级）"
        assert heard["a_officer", Kind.OVERDUE, None][0].display_title == "8 项任务已逾期"
    with translation.override("en"):
        assert heard["a_county_admin", Kind.ESCALATION, 2][0].display_title == \
            "8 overdue tasks escalated (level 2)"


@pytest.mark.django_db
def test_up_to_the_limit_each_task_is_its_own_notice(world: World, path):
    tasks = education_tasks(world, services.DIGEST_AFTER)
    heard = by_person(scan_notices())
    for notes in heard.values():
        assert sorted(n.task_id for n in notes) == sorted(t.pk for t in tasks)
        assert not any(services.is_scan_digest(n) for n in notes)


@pytest.mark.django_db
def test_a_digest_is_per_run_and_lists_ten_case_numbers_then_an_ellipsis(world: World, path):
    """14 tasks in batches of 12 and 2: the batch's digest and the next batch's two
    notices become one digest of all 14, listing the first ten."""
    tasks = education_tasks(world, 14)
    notes = scan_notices(batch_size=12)
    admin = [n for n in notes if n.recipient.username == "a_county_admin"]
    assert len(admin) == 1
    assert admin[0].title_params == {"count": 14, "level": 2}
    assert admin[0].body == ", ".join(t.case.number for t in tasks[:10]) + " …"


@pytest.mark.django_db
def test_a_run_s_digest_keeps_the_ellipsis_of_a_batch_s_digest(world: World, path):
    """12 cases in the first batch (its digest lists ten, then "…"), and a second task on
    the first case in the next: the run's digest names each case once, ten of them, and
    still says there are more."""
    tasks = education_tasks(world, 12)
    c = world.a
    services.task_assign(actor=c.users["county_admin"], case=tasks[0].case,
                         department=c.depts["education_sports"], role="assist",
                         duty="协办事项", workdays=5, today=ASSIGNED)
    notes = scan_notices(batch_size=12, workers=1)
    admin = [n for n in notes if n.recipient.username == "a_county_admin"]
    assert len(admin) == 1
    assert admin[0].title_params == {"count": 13, "level": 2}
    assert admin[0].body == ", ".join(t.case.number for t in tasks[:10]) + " …"


@pytest.mark.django_db
def test_a_few_tasks_in_each_of_many_batches_are_one_digest_and_one_e_mail(
        world: World, path, mailoutbox, django_capture_on_commit_callbacks):
    """Six tasks in batches of two: no batch holds more than the limit, the run does.
    Each person reads one digest per step, and gets one e-mail of it, none of the
    batches' own notices."""
    tasks = education_tasks(world, services.DIGEST_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        notes = scan_notices(batch_size=2)
    heard = by_person(notes)
    assert sorted(heard) == [("a_county_admin", Kind.ESCALATION, 2),
                             ("a_head", Kind.ESCALATION, 1), ("a_head", Kind.OVERDUE, None),
                             ("a_officer", Kind.OVERDUE, None)]
    for (_who, _kind, level), got in heard.items():
        assert len(got) == 1 and services.is_scan_digest(got[0])
        assert got[0].title_params == ({"count": 6, "level": level} if level else {"count": 6})
        assert got[0].body == ", ".join(t.case.number for t in tasks)
    assert len(mailoutbox) == 4
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.recipient.email for n in notes)


@pytest.mark.django_db
def test_up_to_the_limit_in_a_run_of_many_batches_each_task_is_its_own_notice(
        world: World, path, mailoutbox, django_capture_on_commit_callbacks):
    tasks = education_tasks(world, services.DIGEST_AFTER)
    with django_capture_on_commit_callbacks(execute=True):
        notes = scan_notices(batch_size=2)
    for got in by_person(notes).values():
        assert sorted(n.task_id for n in got) == sorted(t.pk for t in tasks)
    assert len(mailoutbox) == len(notes)


@pytest.mark.django_db
def test_a_failed_batch_still_tells_what_the_batches_before_it_did(
        world: World, path, monkeypatch, mailoutbox, django_capture_on_commit_callbacks):
    """A batch that fails stops the run; the batches before it committed, and their
    notices are digested and e-mailed all the same."""
    education_tasks(world, services.DIGEST_AFTER + 3)
    name = "_overdue_batch_sql" if path else "_mark_overdue_batch"
    real, calls = getattr(services, name), []

    def second_fails(ids, *args):  # type: ignore[no-untyped-def]
        calls.append(ids)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real(ids, *args)

    monkeypatch.setattr(services, name, second_fails)
    first = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        services.deadline_scan(today=LEVEL2_DAY, batch_size=4, workers=1)
    notes = list(Notification.objects.filter(pk__gt=first))
    assert notes and len(mailoutbox) == len(notes)
    assert all(n.kind == Kind.OVERDUE or path for n in notes)


@pytest.mark.django_db
def test_reminders_too_are_a_digest(world: World, path):
    education_tasks(world, services.DIGEST_AFTER + 1)
    first = Notification.objects.order_by("-pk").values_list("pk", flat=True).first()
    services.deadline_scan(today=D(2026, 6, 4))  # in the reminder window, not yet due
    notes = list(Notification.objects.filter(pk__gt=first, recipient__username="a_officer"))
    assert [(n.kind, n.title_params, n.task_id) for n in notes] == [
        (Kind.REMINDER, {"count": 6}, None)]


@pytest.mark.django_db
def test_a_digest_opens_the_list_of_its_tasks_for_its_reader(world: World, client):
    tasks = education_tasks(world, services.DIGEST_AFTER + 1)
    heard = by_person(scan_notices())
    for key, expected in [
            (("a_head", Kind.ESCALATION, 1), "/office/tasks/overview/?escalated=yes&order=escalation"),
            (("a_county_admin", Kind.ESCALATION, 2),
             "/office/tasks/overview/?escalated=yes&order=escalation"),
            (("a_officer", Kind.OVERDUE, None), "/office/tasks/mine/?overdue=yes")]:
        digest = heard[key][0]
        client.force_login(digest.recipient)
        response = client.post(f"/office/notifications/{digest.pk}/")
        assert response.status_code == 302 and response["Location"] == expected, key
        digest.refresh_from_db()
        assert digest.read_at is not None
        page = client.get(expected).content.decode()
        for task in tasks:
            assert task.case.number in page, key


@pytest.mark.django_db
def test_a_headless_department_s_digest_opens_its_department_s_escalated_tasks(
        world: World, client):
    """A culture officer (no head in the department, issue 14 E1) is told of level 1."""
    c = world.a
    for i in range(services.DIGEST_AFTER + 1):
        services.task_assign(actor=c.users["county_admin"], case=make_case(c),
                             department=c.depts["culture_tourism"], role="lead",
                             duty=f"事项{i}", workdays=5, today=ASSIGNED)
    heard = by_person(scan_notices())
    digest = heard["a_culture", Kind.ESCALATION, 1][0]
    client.force_login(digest.recipient)
    response = client.post(f"/office/notifications/{digest.pk}/")
    assert response["Location"] == "/office/tasks/department/?escalated=yes&order=escalation"
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.django_db
def test_a_digest_is_one_e_mail_linking_its_list(world: World, mailoutbox,
                                                 django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://portal.example.cn"
    education_tasks(world, services.DIGEST_AFTER + 1)
    with django_capture_on_commit_callbacks(execute=True):
        notes = scan_notices()
    assert len(mailoutbox) == len(notes) == 4
    mail = next(m for m in mailoutbox if m.to == [world.a.users["county_admin"].email])
    assert "6" in mail.subject
    assert "https://portal.example.cn/office/tasks/overview/?escalated=yes&order=escalation" \
        in mail.body
    assert re.search(r"\w+-\d+", mail.body)  # the case numbers


@pytest.mark.django_db
def test_the_dashboard_shows_what_was_escalated_to_its_reader_when_told_by_a_digest(
        world: World, client):
    tasks = education_tasks(world, services.DIGEST_AFTER + 1)
    culture = services.task_assign(
        actor=world.a.users["county_admin"], case=make_case(world.a),
        department=world.a.depts["culture_tourism"], role="lead", duty="事项", workdays=5,
        today=ASSIGNED)
    services.deadline_scan(today=D(2026, 6, 9))  # level 1 only
    a = world.a.users
    seen = {who: set(selectors.escalated_to(a[who]).values_list("pk", flat=True))
            for who in ("head", "officer", "culture", "county_admin", "market")}
    education = {t.pk for t in tasks}
    # Level 1: the head of a department with one; the staff of one without, and the
    # county admin for it.
    assert seen == {"head": education, "officer": set(), "culture": {culture.pk},
                    "county_admin": {culture.pk}, "market": set()}
    services.deadline_scan(today=LEVEL2_DAY)  # level 2: the county admin
    assert set(selectors.escalated_to(a["county_admin"]).values_list("pk", flat=True)) == \
        education | {culture.pk}
    assert not selectors.escalated_to(world.b.users["county_admin"]).exists()
    assert not selectors.escalated_to(world.city_admin).exists()
    client.force_login(a["head"])
    page = client.get("/office/").content.decode()
    assert 'id="escalated"' in page and tasks[0].case.number in page


@pytest.mark.django_db
def test_a_digest_names_each_case_once_however_many_of_its_tasks_it_counts(
        world: World, path):
    """A user-facing walk: a head's digest read "XK-…-000001, XK-…-000001, …" when two
    of the case's tasks went overdue, a repeated number that looked like an error and
    took a place of the ten. The count stays the tasks'; each case is named once."""
    c = world.a
    cases = [make_case(c) for _ in range(4)]
    for case in cases:
        for duty in ("核实", "处置"):
            services.task_assign(actor=c.users["county_admin"], case=case,
                                 department=c.depts["education_sports"], role="lead",
                                 duty=duty, workdays=5, today=ASSIGNED)
    heard = by_person(scan_notices())
    digest = heard["a_head", Kind.OVERDUE, None][0]
    assert digest.title_params == {"count": 8}
    assert digest.body == ", ".join(case.number for case in cases)
