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
