from typing import Any

from django import forms, template
from django.utils.html import format_html, format_html_join

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
