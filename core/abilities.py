"""One predicate per action (DESIGN.md "Abilities"; STYLE.md §3).

`restrict()` decides which rows a principal sees; an ability decides what it may do. Each
app declares its abilities with django-rules in its `abilities.py` (loaded by its
`AppConfig.ready()`), and the same rule is asked by the service, to refuse, and by the view
and template, to show or hide. Nothing else restates a role list.
"""

from __future__ import annotations

from typing import Any

import rules

from core.errors import PermissionDenied


def may(actor: Any, ability: str, obj: Any = None) -> bool:
    """Whether `actor` may do `ability` (to `obj`). The system itself (None) always may.
    An ability nobody declared is a programming error, not a silent "no"."""
    if not rules.rule_exists(ability):
        raise LookupError(f"undeclared ability {ability!r}")
    if actor is None:
        return True
    return rules.test_rule(ability, actor, obj)


def require(actor: Any, ability: str, obj: Any = None, message: Any = None) -> None:
    if not may(actor, ability, obj):
        raise PermissionDenied(message)


def declared() -> list[str]:
    """Every ability declared, for the test that walks them all."""
    return sorted(rules.rulesets.default_rules)


def declare(name: str, predicate: Any) -> None:
    """Declare an ability (a repeated `ready()` replaces it with itself)."""
    rules.set_rule(name, predicate)
