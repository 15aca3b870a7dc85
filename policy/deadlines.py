"""The deadline keys a profile must define, declared by the apps that read them.

An app that asks `active_profile().deadline(key)` declares `key` here from its
`AppConfig.ready()`. The loader refuses a profile that lacks a declared key or carries an
undeclared one (a misspelling), so a deadline is never silently replaced by
`task_default` (issue 8 §5).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class DeadlineKey:
    key: str
    owner: str  # the app (or the block of an app) that reads the key


_DECLARED: dict[str, DeadlineKey] = {}


def declare(*keys: str, owner: str) -> None:
    """Declare deadline keys read by `owner`. Declaring a key twice for the same owner is
    harmless (ready() may run twice in tests); two owners of one key is a mistake."""
    for key in keys:
        known = _DECLARED.get(key)
        if known is not None and known.owner != owner:
            raise ImproperlyConfigured(
                f"deadline key {key!r} is declared by {known.owner} and {owner}")
        _DECLARED[key] = DeadlineKey(key, owner)


def declared() -> dict[str, DeadlineKey]:
    """Every declared key; only complete once all apps are ready."""
    apps.check_apps_ready()
    return dict(_DECLARED)
