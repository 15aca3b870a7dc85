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
