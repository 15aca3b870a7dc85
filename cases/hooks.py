"""Domain workflows hang off the generic task engine here.

A domain app (licensing, inspections, complaints...) registers a handler for its case
kind; `task_complete` calls it inside the same transaction, so that finishing the last
task of a stage opens the next stage atomically, with its own audit events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cases.models import Task

TaskHandler = Callable[..., None]
_on_task_done: dict[str, list[TaskHandler]] = defaultdict(list)


def on_task_done(kind: str) -> Callable[[TaskHandler], TaskHandler]:
    """Register `handler(*, task, actor)` for tasks completed on cases of `kind`."""

    def register(handler: TaskHandler) -> TaskHandler:
        if handler not in _on_task_done[kind]:
            _on_task_done[kind].append(handler)
        return handler

    return register


def task_done(*, task: Task, actor: Any) -> None:
    for handler in _on_task_done.get(task.case.kind, ()):
        handler(task=task, actor=actor)


PanelProvider = Callable[..., "tuple[str, dict[str, Any]] | None"]
_panels: dict[str, list[PanelProvider]] = defaultdict(list)


def case_panel(kind: str) -> Callable[[PanelProvider], PanelProvider]:
    """Register `provider(*, request, case) -> (template, context) | None`: the domain
    record's panel on the case page (an application's stage and decision forms...)."""

    def register(provider: PanelProvider) -> PanelProvider:
        if provider not in _panels[kind]:
            _panels[kind].append(provider)
        return provider

    return register


def panels_for(*, request: Any, case: Any) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for provider in _panels.get(case.kind, ()):
        panel = provider(request=request, case=case)
        if panel is not None:
            out.append(panel)
    return out


_decision_steps: dict[str, set[str]] = defaultdict(set)


def register_decision_steps(kind: str, steps: set[str]) -> None:
    """Steps of `kind` decided with their own form: the case page offers no generic
    "complete" for their lead tasks."""
    _decision_steps[kind] |= set(steps)


def decision_steps(kind: str) -> set[str]:
    return _decision_steps.get(kind, set())


ReopenGuard = Callable[..., "str | None"]
_reopen_guards: dict[str, list[ReopenGuard]] = defaultdict(list)


def reopen_guard(kind: str) -> Callable[[ReopenGuard], ReopenGuard]:
    """Register `guard(*, case) -> reason | None`: why a closed case of `kind` may not be
    reopened (its domain record has ended), or None."""

    def register(guard: ReopenGuard) -> ReopenGuard:
        if guard not in _reopen_guards[kind]:
            _reopen_guards[kind].append(guard)
        return guard

    return register


def reopen_refusal(*, case: Any) -> str | None:
    for guard in _reopen_guards.get(case.kind, ()):
        reason = guard(case=case)
        if reason:
            return reason
    return None
