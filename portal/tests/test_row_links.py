"""Issue 13: the office list pages render each row's link from one `reverse()` a page
(`core.reversing.row_reverser`, the `row_url` tag), its time without `dateformat`
(`local_minute`) and its labels translated once; what they render is what `{% url %}`,
`|timezone|date` and `{% translate %}` per row rendered, in both languages."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from complaints.models import Complaint
from complaints.tests.helpers import submit
from core.reversing import row_reverser
from institutions.models import Institution
from institutions.tests.helpers import register


@pytest.mark.parametrize("viewname, keys", [
    ("complaints:office_detail", ["TS-530102-2026-000013", "a_b-9", "7", "带 空格", "a%b",
                                  "x?y#z", "a&b"]),
    ("institutions:office_detail", ["91530103MA0114897Q"]),
    ("cases:case_detail", ["DB-530103-2026-1092823"]),
    ("inspections:order_detail", [1, "42", 1234567890123]),
])
def test_row_reverser_gives_reverses_url(viewname: str, keys: list[object]) -> None:
    row_url = row_reverser(viewname)
    for key in keys:
        assert row_url(key) == reverse(viewname, args=[key]), key


def test_row_reverser_refuses_what_reverse_refuses() -> None:
    with pytest.raises(NoReverseMatch):
        row_reverser("complaints:office_detail")("a/b")
    with pytest.raises(NoReverseMatch):
        row_reverser("complaints:office_detail")("")
    with pytest.raises(NoReverseMatch):
        row_reverser("inspections:order_detail")("abc")


def test_row_url_tag_escapes_as_url_does() -> None:
    source = "{%% load portal_tags %%}{%% %s 'complaints:office_detail' key %%}"
    for key in ("a&b", "TS-1", "<x>"):
        ours = Template(source % "row_url").render(Context({"key": key}))
        djangos = Template(source % "url").render(Context({"key": key}))
        assert ours == djangos, key
    with pytest.raises(TemplateSyntaxError):
        Template("{% load portal_tags %}{% row_url complaints:office_detail key %}")


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize("value", [
    dt.datetime(2026, 12, 1, 15, 59, 30, tzinfo=dt.UTC),  # past midnight in Shanghai
    dt.datetime(2026, 1, 1, 0, 0, tzinfo=SHANGHAI),
    dt.datetime(999, 3, 4, 5, 6, tzinfo=dt.UTC),  # the year padded to four digits
    dt.datetime(2026, 6, 30, 23, 5),  # naive: in the default time zone
    None, "",
])
def test_local_minute_is_timezone_then_date(value: object) -> None:
    context = Context({"v": value})
    ours = Template('{% load portal_tags %}{{ v|local_minute:"Asia/Shanghai" }}|'
                    '{{ v|local_minute }}').render(context)
    djangos = Template('{% load tz %}{{ v|timezone:"Asia/Shanghai"|date:"Y-m-d H:i" }}|'
                       '{{ v|date:"Y-m-d H:i" }}').render(context)
    assert ours == djangos
    assert Template('{% load portal_tags %}{{ v|local_minute:"Asia/Shanghai" }}').render(
        Context({"v": dt.date(2026, 6, 30)})) == ""  # as `timezone` gives
    with timezone.override("UTC"):
        assert Template("{% load portal_tags %}{{ v|local_minute }}").render(context) == \
            Template('{{ v|date:"Y-m-d H:i" }}').render(context)


def _office_page(world, url: str, language: str):  # type: ignore[no-untyped-def]
    """The county admin's list page in `language`, and its text."""
    client = Client()
    client.force_login(world.a.users["county_admin"])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response, response.content.decode()


def _hrefs(body: str, prefix: str) -> list[str]:
    return re.findall(rf'<tr><td><a href="({re.escape(prefix)}[^"]*)">', body)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_office_complaints_rows_link_and_label_as_before(world, language: str) -> None:
    for i in range(3):
        submit(world, complainant_phone=f"1390002{i:04d}")
    response, body = _office_page(world, "/office/complaints/", language)
    rows = [c for c, _, _ in response.context["rows"]]
    assert len(rows) == 3
    assert _hrefs(body, "/office/complaints/") == [
        reverse("complaints:office_detail", args=[c.case.number]) for c in rows]
    with translation.override(language):
        # on a phone each row a card, its status first (issue 14 C6): the number still
        # the row's first cell and its link
        for label in ("Topic", "Institution", "Channel", "Complainant"):
            assert body.count(f'data-label="{translation.gettext(label)}"') == 3, label
        status, received_label = translation.gettext("Status"), translation.gettext("Received")
        for c in Complaint.objects.filter(pk__in=[c.pk for c in rows]):
            received = timezone.localtime(c.received_at, SHANGHAI).strftime("%Y-%m-%d %H:%M")
            assert (f'<td class="card-first" data-label="{status}">{c.get_status_display()}'
                    f'</td><td class="card-second" data-label="{received_label}">{received}'
                    '</td>') in body


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_office_institutions_rows_link_and_label_as_before(world, language: str) -> None:
    for n in range(1, 4):
        register(world, "a", n)
    response, body = _office_page(world, "/office/institutions/", language)
    rows = list(response.context["page"].object_list)
    assert len(rows) == 3
    assert _hrefs(body, "/office/institutions/") == [
        reverse("institutions:office_detail", args=[i.uscc]) for i in rows]
    with translation.override(language):
        for label in ("Category", "County", "Region", "Supervising department"):
            assert body.count(f'data-label="{translation.gettext(label)}"') == 3, label
        inst = Institution.objects.get(pk=rows[0].pk)
        assert (f'<td class="card-first" data-label="{translation.gettext("Status")}">'
                f'{inst.get_status_display()}</td>') in body
    assert (language == "en") == ('data-label="Category"' in body)


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_office_cases_rows_link_and_label_as_before(world, language: str) -> None:
    for i in range(3):
        submit(world, complainant_phone=f"1390003{i:04d}")
    response, body = _office_page(world, "/office/cases/", language)
    rows = list(response.context["page"].object_list)
    assert len(rows) == 3
    assert _hrefs(body, "/office/cases/") == [c.get_absolute_url() for c in rows]
    with translation.override(language):
        for case in rows:
            opened = timezone.localtime(case.opened_at).strftime("%Y-%m-%d %H:%M")
            assert f'data-label="{translation.gettext("Opened at")}">{opened}</td>' in body
