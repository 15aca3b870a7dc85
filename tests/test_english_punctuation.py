"""Issue 14 C11: in English the pages write English: lists joined with commas, asides in
round brackets, steps and departments by their English names; Chinese keeps 、 and （）."""

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import translation

from core.i18n import colon, join_list, labelled, list_separator, parenthesized, semicolon
from institutions.rules import Slot, course_violations
from policy.profile import active_profile

pytestmark = pytest.mark.django_db

CHINESE_PUNCTUATION = re.compile(r"[、（）：；。，]")


def test_lists_and_asides_follow_the_language():
    with translation.override("en"):
        assert join_list(["a", "b"]) == "a, b" and parenthesized("x") == " (x)"
        assert labelled("Notice", "x") == "Notice: x"
        assert colon() == ": " and list_separator() == ", " and semicolon() == "; "
    with translation.override("zh-hans"):
        assert join_list(["甲", "乙"]) == "甲、乙" and parenthesized("注") == "（注）"
        assert labelled("通报", "甲") == "通报：甲"
        assert colon() == "：" and list_separator() == "、" and semicolon() == "；"


def test_profile_labels_and_rule_messages_in_english():
    approval = next(iter(active_profile().approvals.values()))
    cell = next(c for c in active_profile().effective_cells() if any(
        s.participants for s in c.steps))
    step = next(s for s in cell.steps if s.participants)
    with translation.override("en"):
        labels = [approval.steps_label, approval.approver_label, step.others_label]
        (late,) = course_violations(mode="offline", lesson_minutes=60, break_minutes=10,
                                    is_academic=False,
                                    slots=[Slot(2, dt.time(20, 0), dt.time(20, 31))])
        message = str(late)
    for text in (*labels, message):
        assert not CHINESE_PUNCTUATION.search(text.replace("〔", "").replace("〕", "")), text
    assert message.endswith(" (通培联办〔2023〕1号 §2(4))"), message


def test_the_matrix_page_in_english_has_no_chinese_punctuation_of_ours(world):
    """The profile's own duty texts are Chinese data; the page's labels and joins are not."""
    client = Client()
    client.force_login(world.a.users["county_admin"])
    client.cookies["django_language"] = "en"
    body = client.get("/office/policy/").content.decode()
    labels = re.findall(r"steps run: ([^<(]*)", body)
    assert labels and all("、" not in label for label in labels), labels


def test_the_template_tags_follow_the_language():
    """{% colon %}, {% list_sep %} and {% semicolon %}: the punctuation a template writes
    between a label and its value, or between the items it loops over (the walk of
    2 December: "Learner：…" and "18:00-19:00；…" on English pages)."""
    from django.template import Context, Template

    template = Template("{% load portal_tags %}a{% colon %}b{% list_sep %}c{% semicolon %}d")
    with translation.override("en"):
        assert template.render(Context()) == "a: b, c; d"
    with translation.override("zh-hans"):
        assert template.render(Context()) == "a：b、c；d"


#: A colon a template writes after a label ({% translate %}, {{ value }}, {% endif %} or
#: </strong>) in the source: it stays ASCII on a Chinese page (a user-facing review:
#: about 80 of "办理期限: 2026-12-09" and "牵头部门: 五华区…").
TEMPLATE_LABEL_COLON = re.compile(
    r'(\{%-? (?:translate|trans) "[^"]*" -?%\}|\{\{[^}]*\}\}|\{% end(?:if|for) %\}|</strong>)'
    r"[ \t]*:(?:</(?:strong|span)>)?[ \t]?(?=[{<&\w\u3400-\u9fff])")
#: What a template does not write itself: a translated message (its colon is the
#: translator's) and a comment.
TRANSLATED_OR_COMMENT = re.compile(
    r"\{% blocktrans(?:late)?\b.*?\{% endblocktrans(?:late)? %\}|\{#.*?#\}"
    r"|\{% comment %\}.*?\{% endcomment %\}", re.S)
#: On a page read in Chinese: an ASCII colon after Chinese text (not "http://").
ASCII_COLON_AFTER_CHINESE = re.compile(r"[\u3400-\u9fff）》」】]\s*:(?!//)")
#: On a page read in English: a full-width colon after English text.
FULL_WIDTH_COLON_AFTER_ENGLISH = re.compile(r"[A-Za-z)\]]\s*：")


def test_no_template_writes_an_ascii_colon_after_a_label():
    """Templates write `{% translate "Due date" %}{% colon %}{{ … }}`, never ": "."""
    from django.conf import settings

    base = settings.BASE_DIR
    found = {}
    for path in base.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        text = TRANSLATED_OR_COMMENT.sub("", path.read_text())
        hits = [m.group(0) for m in TEMPLATE_LABEL_COLON.finditer(text)
                if text.rfind("<", 0, m.start()) <= text.rfind(">", 0, m.start())
                or m.group(1).startswith("</")]
        if hits:
            found[str(path.relative_to(base))] = hits
    assert found == {}


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    attributes = re.findall(r'(?:title|aria-label|placeholder|alt|data-label)="([^"]*)"', html)
    return " ".join(" ".join([re.sub(r"<[^>]+>", " ", html), *attributes]).split())


def _demo_detail_pages(user) -> list[str]:  # type: ignore[no-untyped-def]
    """A page of each kind that wrote "label: value" (each read through the gateway)."""
    from django.urls import reverse

    from cases.models import Task
    from governance.models import Campaign, ScreeningOutcome
    from inspections import models as m
    from licensing.models import LicensingApplication as Application
    from org.scope import Action

    urls = ["/office/policy/", "/duties/530102/"]
    for model, name in ((m.DailyInspection, "daily_detail"), (m.RectificationOrder, "order_detail"),
                        (m.BlacklistEntry, "blacklist_detail"),
                        (m.Enforcement, "enforcement_detail"), (m.StopOrder, "stop_detail"),
                        (m.ZombieCleanup, "zombie_detail"), (m.RandomDraw, "draw_detail"),
                        (m.InspectionRound, "round_detail"),
                        (m.AnnualInspection, "annual_detail")):
        rows = model.objects.restrict(user).order_by("pk")
        if model is m.DailyInspection:
            rows = rows.filter(institution__isnull=False, state=m.DailyState.DONE)
        if model is m.AnnualInspection:
            rows = rows.filter(group__isnull=False)
        urls.append(reverse(f"inspections:{name}", args=[rows.first().pk]))
    order = m.RectificationOrder.objects.restrict(user).order_by("pk").first()
    urls.append(reverse("institutions:office_detail", args=[order.institution.uscc]))
    task = Task.objects.restrict(user, Action.ASSIGN).filter(status="open").order_by("pk").first()
    urls.append(reverse("cases:task_action", args=[task.pk, "reassign"]))
    application = Application.objects.restrict(user).exclude(decisions={}).order_by("pk").first()
    urls.append(reverse("cases:case_detail", args=[application.case.number]))
    outcome = ScreeningOutcome.objects.restrict(user).order_by("pk").first()
    urls.append(reverse("governance:screening_entity", args=[outcome.entity_id]))
    urls.append(reverse("governance:campaign", args=[
        Campaign.objects.restrict(user).order_by("pk").first().pk]))
    return urls


def test_pages_write_the_colon_of_their_language():
    """The demo's detail pages: "办理期限：2026-12-09" in Chinese, "Due date: …" in
    English."""
    from django.core.management import call_command

    from complaints.tests.conftest import seed_taxonomy
    from org.models import User

    seed_taxonomy()
    call_command("load_demo", verbosity=0)
    user = User.objects.get(username="wuhua_admin")
    client = Client()
    client.force_login(user)
    urls = _demo_detail_pages(user)
    for language, wrong in (("zh-hans", ASCII_COLON_AFTER_CHINESE),
                            ("en", FULL_WIDTH_COLON_AFTER_ENGLISH)):
        client.cookies["django_language"] = language
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            text = _visible_text(response.content.decode())
            assert [text[max(0, h.start() - 20):h.end() + 20]
                    for h in wrong.finditer(text)] == [], (language, url)
