"""Notification.display_title (cases/models.py): titles are stored as a message id with
parameters: each reader sees the
title in the language they browse in (inbox, dashboard, API), e-mails go out in the
deployment's language (settings.LANGUAGE_CODE), whatever language the request that
created the notification was in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext_lazy

from cases import services, tasks
from cases.models import Notification
from tests.factories import World, make_case, make_task

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def zh(number: str) -> str:
    return f"事项 {number} 有新交办任务"


def en(number: str) -> str:
    return f"New task on {number}"


def client_for(user, language: str | None = None) -> Client:  # type: ignore[no-untyped-def]
    client = Client(HTTP_ACCEPT_LANGUAGE=language) if language else Client()
    client.force_login(user)
    return client


@pytest.fixture
def english_task(world: World):  # type: ignore[no-untyped-def]
    """A task assigned (so its officer notified) during an English-language request."""
    case = make_case(world.a)
    with translation.override("en"):
        task = make_task(world.a, case, assignee=world.a.users["officer"])
    return task


def test_the_message_id_and_params_are_stored_and_title_is_in_the_default_language(
        world: World, english_task):
    note = Notification.objects.get(recipient=world.a.users["officer"], task=english_task)
    number = english_task.case.number
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert note.title_msgid == "New task on %(number)s"
    assert note.title_params == {"number": number}
    assert note.title == zh(number)
    with translation.override("en"):
        assert note.display_title == en(number)
    with translation.override("zh-hans"):
        assert note.display_title == zh(number)
    active = translation.get_language()
    assert note.render_title("en") == en(number)
    assert translation.get_language() == active  # render_title(language) restores it


def test_inbox_dashboard_and_api_speak_the_readers_language(world: World, english_task):
    officer = world.a.users["officer"]
    number = english_task.case.number
    for language, expected, other in [("zh-hans", zh(number), en(number)),
                                      ("en", en(number), zh(number))]:
        client = client_for(officer, language)
        for url in ("/office/notifications/", "/office/"):
            body = client.get(url).content.decode()
            assert expected in body, (language, url)
            assert other not in body, (language, url)
        api = client.get("/api/v1/notifications/").json()
        rows = api["results"] if isinstance(api, dict) else api
        assert expected in [row["title"] for row in rows], language


def test_the_language_cookie_chooses_the_language_too(world: World, english_task):
    client = client_for(world.a.users["officer"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert en(english_task.case.number) in client.get("/office/notifications/").content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    assert zh(english_task.case.number) in client.get("/office/notifications/").content.decode()


def test_e_mail_goes_out_in_the_default_language(world: World, mailoutbox,
                                                 django_capture_on_commit_callbacks):
    case = make_case(world.a)
    officer = world.a.users["officer"]
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        task = make_task(world.a, case, assignee=officer)
    subjects = [m.subject for m in mailoutbox if m.to == [officer.email]]
    assert subjects == [f"[校外培训监管平台] {zh(task.case.number)}"]
    # The body is stored in the default language too (its due-date wording).
    note = Notification.objects.get(recipient=officer, task=task)
    with translation.override("zh-hans"):
        assert note.body == translation.gettext("%(duty)s — due %(due)s") % {
            "duty": task.duty, "due": task.due_date.isoformat()}


def test_e_mail_language_does_not_follow_the_worker(world: World, mailoutbox):
    case = make_case(world.a)
    officer = world.a.users["officer"]
    notes = services.notify(recipients=[officer], kind=Kind.CASE, case=case,
                            title=gettext_lazy("Task overdue: %(number)s"),
                            title_params={"number": case.number})
    with translation.override("en"):
        assert tasks.send_notification_emails([n.pk for n in notes]) == 1
    assert mailoutbox[-1].subject == f"[校外培训监管平台] 任务已逾期：{case.number}"


@pytest.mark.parametrize("msgid, params", [
    ("New task on %(number)s", {"wrong": "x"}),       # a missing key
    ("New task on %(number)s", ["XK-1"]),             # not a mapping
    ("New task on %(number)s", "XK-1"),               # not a mapping either
    ("Task due on %(due)s: %(number)s", {"due": "2026-06-08"}),
    ("Progress 100%% of %(number)s %", {"number": "x"}),  # broken format
])
def test_malformed_params_fall_back_to_the_stored_title(world: World, msgid, params):
    note = Notification.objects.create(recipient=world.a.users["officer"], kind=Kind.CASE,
                                       title="已存标题", title_msgid=msgid, title_params=params)
    for language in ("zh-hans", "en"):
        with translation.override(language):
            assert note.display_title == "已存标题"
    body = client_for(world.a.users["officer"], "en").get("/office/notifications/")
    assert "已存标题" in body.content.decode()


def test_rows_without_a_message_id_show_the_stored_title(world: World):
    note = Notification.objects.create(recipient=world.a.users["officer"], kind=Kind.CASE,
                                       title="旧通知")
    with translation.override("en"):
        assert note.display_title == "旧通知"


def test_plain_string_titles_are_kept_as_they_are(world: World):
    officer = world.a.users["officer"]
    [note] = services.notify(recipients=[officer], kind=Kind.CASE, title="请核查 %(n)s",
                             title_params={"n": 1})
    note.refresh_from_db()
    assert (note.title, note.title_msgid, note.title_params) == ("请核查 1", "", {})
    with translation.override("en"):
        assert note.display_title == "请核查 1"


def test_params_must_be_plain_json_values(world: World):
    officer = world.a.users["officer"]
    for bad in (gettext_lazy("Task overdue: %(number)s"), world.a.region, 1j):
        with pytest.raises(TypeError):
            services.notify(recipients=[officer], kind=Kind.CASE,
                            title=gettext_lazy("Task overdue: %(number)s"),
                            title_params={"number": bad})
    assert not Notification.objects.filter(recipient=officer, kind=Kind.CASE).exists()


def test_scan_notifications_store_json_params(world: World):
    task = make_task(world.a, make_case(world.a), workdays=5, today=dt.date(2026, 6, 1))
    with translation.override("en"):
        services.deadline_scan(today=dt.date(2026, 6, 4))   # reminder
        services.deadline_scan(today=dt.date(2026, 6, 9))   # overdue + level 1
    number = task.case.number
    reminder = Notification.objects.filter(task=task, kind=Kind.REMINDER).first()
    assert reminder.title_params == {"due": "2026-06-08", "number": number}
    assert reminder.render_title("en") == f"Task due on 2026-06-08: {number}"
    assert reminder.title == f"任务将于 2026-06-08 到期：{number}"
    escalation = Notification.objects.filter(task=task, kind=Kind.ESCALATION).first()
    assert escalation.title_params == {"level": 1, "number": number}
    assert escalation.render_title("en") == f"Overdue task escalated (level 1): {number}"
    assert escalation.render_title("zh-hans") == escalation.title != \
        escalation.render_title("en")
