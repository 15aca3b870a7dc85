import zoneinfo
from datetime import datetime
from typing import Any

from django import forms, template
from django.template.base import FilterExpression, Parser, Token
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join

from core import i18n
from core.reversing import row_reverser

register = template.Library()


@register.filter
def bootstrap(field: Any) -> str:
    """Render a form field's widget with Bootstrap classes (and is-invalid on error)."""
    widget = field.field.widget
    if isinstance(widget, forms.RadioSelect):  # radios, and checkbox lists (a subclass)
        return _checkbox_list(field)
    css = "form-check-input" if getattr(widget, "input_type", "") == "checkbox" else \
        "form-select" if getattr(widget, "input_type", "") == "select" else "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


def _checkbox_list(field: Any) -> str:
    """One Bootstrap form-check per option, each input with its own label (a radio with
    form-control was a thin bar on a phone, its checked state invisible)."""
    rows = []
    for option in field.subwidgets:
        option.data["attrs"] = {**option.data["attrs"], "class": "form-check-input"}
        rows.append((option.tag(), option.id_for_label, option.choice_label))
    return format_html(
        '<div id="{}">{}</div>', field.auto_id,
        format_html_join("", '<div class="form-check">{}<label class="form-check-label" '
                         'for="{}">{}</label></div>', rows))


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def tel(number: Any) -> str:
    """A phone number as a tap-to-call link (issue 14 C6); '—' when there is none."""
    text = str(number or "").strip()
    dial = "".join(c for c in text if c.isdigit() or c == "+")
    if not dial:
        return text or "—"
    return format_html('<a href="tel:{}">{}</a>', dial, text)


class RowUrlNode(template.Node):
    """`{% row_url 'app:view' key %}`: what `{% url 'app:view' key %}` renders, from one
    `reverse()` per page (issue 13, `core.reversing`)."""

    def __init__(self, viewname: str, key: FilterExpression) -> None:
        self.viewname = viewname
        self.key = key

    def render(self, context: template.Context) -> str:
        reverser = context.render_context.get(self)
        if reverser is None:
            reverser = context.render_context[self] = row_reverser(self.viewname)
        url = reverser(self.key.resolve(context))
        return conditional_escape(url) if context.autoescape else url


@register.tag
def row_url(parser: Parser, token: Token) -> RowUrlNode:
    """A list row's link: `{% row_url 'complaints:office_detail' c.case.number %}`, the
    view's name quoted and one argument, the row's key."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1][:1] not in "'\"" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError(
            "row_url takes a quoted view name and the row's key")
    return RowUrlNode(bits[1][1:-1], parser.compile_filter(bits[2]))


@register.filter
def local_minute(value: Any, zone: str = "") -> str:
    """`value|timezone:zone|date:"Y-m-d H:i"`, or `value|date:"Y-m-d H:i"` without `zone`:
    the same text by plain formatting (`dateformat` per row was a tenth of the office
    complaints page's rendering, issue 13). Not a datetime: "", as `timezone` gives."""
    if not isinstance(value, datetime):
        return ""
    if zone:  # as `timezone` does: a naive time is in the default time zone
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_default_timezone())
        local = value.astimezone(zoneinfo.ZoneInfo(zone))
    else:  # as `date` does: a naive time is shown as it is
        local = timezone.localtime(value) if timezone.is_aware(value) else value
    return (f"{local.year:04d}-{local.month:02d}-{local.day:02d} "
            f"{local.hour:02d}:{local.minute:02d}")


@register.simple_tag
def colon() -> str:
    """`{% translate "Learner" %}{% colon %}{{ name }}`: the label's colon in the page's
    language (core.i18n.colon)."""
    return i18n.colon()


@register.simple_tag
def list_sep() -> str:
    """Between the items of a list written out in a loop: 「、」 or ", "
    (core.i18n.list_separator)."""
    return i18n.list_separator()


@register.simple_tag
def semicolon() -> str:
    """Between the clauses of a list written out in a loop: 「；」 or "; "
    (core.i18n.semicolon)."""
    return i18n.semicolon()
