"""The outcome registry of 核实必处 (004 §6(2)2: a verified complaint is followed by a
rectification order, an enforcement case or a refund mediation).

Complaints sit below inspections and beside funds, so they cannot call either: each app
that opens such a record registers a handler here, from above. Inspections registers the
rectification order and the enforcement case from its AppConfig.ready(); funds cannot
import complaints, so the portal wires the refund mediation (portal/wiring.py).

A handler runs inside `complaint_handle`'s transaction, calls the owning app's own service
(which checks its own permissions) and answers the record it opened as a `Link`; the
complaint keeps the link (kind, id, number) and shows it. An outcome with no handler
registered is recorded with its note only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class Link:
    """The record a handler opened: its kind (the registry key), id, number and page."""

    kind: str
    id: int
    number: str
    url: str = ""


@dataclass(frozen=True)
class Param:
    """One more input a handler needs (the violation of an enforcement case, the funds
    order to refund): a text field, or a choice from `choices()` (value, label) pairs."""

    name: str
    label: str | Promise
    choices: Callable[[], list[tuple[str, str]]] | None = None
    help_text: str | Promise = ""


#: handler(*, actor, complaint, department, note, params) -> Link
Handler = Callable[..., Link]


@dataclass(frozen=True)
class OutcomeHandler:
    key: str
    label: str | Promise
    #: The ability the acting officer needs (asked with `target(complaint)`); the
    #: owning service checks its own rules again.
    ability: str
    handler: Handler
    target: Callable[[Any], Any] = lambda complaint: complaint.case.region
    params: tuple[Param, ...] = field(default_factory=tuple)
    #: The page of a linked record, from its id and number.
    url: Callable[[int, str], str] | None = None


_registry: dict[str, OutcomeHandler] = {}


def register(key: str, label: str | Promise, ability: str, handler: Handler, *,
             target: Callable[[Any], Any] | None = None, params: tuple[Param, ...] = (),
             url: Callable[[int, str], str] | None = None) -> None:
    """Register what handling with `key` (an `Outcome` value) opens. Registering a key
    twice replaces the handler (a reloaded AppConfig)."""
    from complaints.models import Outcome

    if key not in Outcome.values or key == Outcome.NOTHING_FURTHER:
        raise ValueError(f"not an outcome that opens a record: {key}")
    _registry[key] = OutcomeHandler(
        key=key, label=label, ability=ability, handler=handler,
        target=target or (lambda complaint: complaint.case.region), params=tuple(params),
        url=url)


def get(key: str) -> OutcomeHandler | None:
    return _registry.get(key)


def registered() -> list[OutcomeHandler]:
    return list(_registry.values())


def all_params() -> list[tuple[OutcomeHandler, Param]]:
    return [(h, p) for h in _registry.values() for p in h.params]


def link_url(complaint: Any) -> str:
    """The page of the record the complaint's handling opened, if any."""
    entry = _registry.get(complaint.outcome_link_kind)
    if entry is None or entry.url is None or complaint.outcome_link_id is None:
        return ""
    return entry.url(complaint.outcome_link_id, complaint.outcome_link_number)
