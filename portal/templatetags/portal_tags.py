from typing import Any

from django import template

register = template.Library()


@register.filter
def bootstrap(field: Any) -> str:
    """Render a form field's widget with Bootstrap classes (and is-invalid on error)."""
    widget = field.field.widget
    css = "form-check-input" if getattr(widget, "input_type", "") == "checkbox" else \
        "form-select" if getattr(widget, "input_type", "") == "select" else "form-control"
    if field.errors:
        css += " is-invalid"
    return field.as_widget(attrs={"class": css})


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None
