"""The navigation's extension point. Each app registers its menu entries in its
`AppConfig.ready()`; the shell (portal) shows an office entry to whoever `may` do its
ability and a public entry to everyone, so no app edits the base template to appear in
the menu and no role list is restated there (DESIGN.md "Abilities")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.abilities import may


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: Any  # a lazy translation
    url_name: str
    #: the ability whose holders see the entry (office entries); None: every signed-in user
    ability: str | None = None
    #: shown to everyone, signed in or not (public pages)
    public: bool = False
    order: int = 100


_entries: dict[str, NavEntry] = {}


def register(*entries: NavEntry) -> None:
    for entry in entries:
        _entries[entry.key] = entry


def unregister(key: str) -> None:
    _entries.pop(key, None)


def office_entries(user: Any) -> list[NavEntry]:
    """The office entries `user` may follow, in menu order."""
    return [e for e in sorted(_entries.values(), key=lambda e: (e.order, e.key))
            if not e.public and (e.ability is None or may(user, e.ability))]


def public_entries() -> list[NavEntry]:
    return [e for e in sorted(_entries.values(), key=lambda e: (e.order, e.key)) if e.public]
