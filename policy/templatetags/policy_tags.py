"""`{{ source|cite }}`: a seed citation as users read it (policy.sources, issue 14 C10)."""

from django import template

from policy.sources import cite as _cite

register = template.Library()


@register.filter
def cite(source: str) -> str:
    return _cite(str(source or ""))
