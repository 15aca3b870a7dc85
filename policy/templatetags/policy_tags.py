"""`{{ source|cite }}`: a seed citation as users read it (policy.sources, issue 14 C10)."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from policy.sources import cite as _cite
from policy.sources import cite_in_text

register = template.Library()


@register.filter
def cite(source: str) -> str:
    return _cite(str(source or ""))


@register.filter
def cited(text: object) -> str:
    """`{{ field.help_text|cited }}`: the seed citations a help text or message carries,
    named as users read them (policy.sources.cite_in_text). Escapes, unless the text was
    already safe."""
    if isinstance(text, SafeString):
        return mark_safe(cite_in_text(str(text)))  # noqa: S308 — already-safe markup
    return conditional_escape(cite_in_text(str(text if text is not None else "")))
