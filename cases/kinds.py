"""Case kinds, registered by the app that owns each (DESIGN.md "Case kinds").

`cases` knows no domain: an app describes each of its kinds once, as one `CaseKindSpec`,
and registers it in its `AppConfig.ready()`. The engine (services, views, filters, the
case-open form, the audit timeline) asks this registry for prefixes, labels, steps,
visibility and handlers. A new kind needs no change and no migration in `cases/`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.versions import note_read, versioned

if TYPE_CHECKING:
    from cases.models import Case, Task
    from org.scope import Scope

#: `visible_to(scope, action, prefix) -> Q | None`: who outside the responsibility matrix
#: sees this kind's cases (institution staff their own applications, say). None: nobody.
VisibleTo = Callable[["Scope", str, str], "Q | None"]
#: `handler(*, task, actor)`, run in the transaction that completed or returned the task.
TaskHandler = Callable[..., None]
#: `handler(*, case, actor)`, run in the transaction that closed or cancelled the case.
CaseHandler = Callable[..., None]
#: `refusal(*, case) -> reason | None`: why a closed case may not be reopened.
ReopenRefusal = Callable[..., "str | None"]
#: `panel(*, request, case) -> (template, context) | None`: the domain record on the case page.
Panel = Callable[..., "tuple[str, dict[str, Any]] | None"]


@dataclass(frozen=True)
class CaseKindSpec:
    """Everything the engine needs to know about one kind of regulated work."""

    code: str
    #: Readable number prefix, e.g. "XK" gives XK-530102-2026-000123.
    prefix: str
    label: str | Promise
    #: Step codes (with labels) that tasks of this kind may carry; a blank step is always
    #: allowed.
    steps: Mapping[str, str | Promise] = field(default_factory=dict)
    #: Steps decided with their own form: the case page offers no generic "complete" for
    #: their lead tasks.
    decision_steps: frozenset[str] = frozenset()
    #: Audit actions this kind's app writes, with their timeline labels.
    audit_labels: Mapping[str, str | Promise] = field(default_factory=dict)
    #: May officers open a case of this kind by hand from the case-open form?
    openable: bool = False
    visible_to: VisibleTo | None = None
    on_task_done: TaskHandler | None = None
    on_task_returned: TaskHandler | None = None
    on_case_closed: CaseHandler | None = None
    on_case_cancelled: CaseHandler | None = None
    reopen_refusal: ReopenRefusal | None = None
    panel: Panel | None = None

    def __str__(self) -> str:
        return str(self.label)

    def step_label(self, step: str) -> str:
        return str(self.steps.get(step, step)) if step else ""


_kinds: dict[str, CaseKindSpec] = {}
_audit_labels: dict[str, str | Promise] = {
    "case.open": _("Case opened"),
    "case.close": _("Case closed"),
    "case.cancel": _("Case cancelled"),
    "case.reopen": _("Case reopened"),
    "task.assign": _("Task assigned"),
    "task.reassign": _("Task reassigned"),
    "task.release": _("Task back in the department's queue"),
    "task.complete": _("Task completed"),
    "task.return": _("Task returned"),
    "task.overdue": _("Task overdue"),
    "task.escalate.1": _("Escalated to the department head"),
    "task.escalate.2": _("Escalated to the county admin"),
    "comment.add": _("Comment added"),
    "attachment.add": _("Attachment added"),
    "notification.read": _("Notifications read"),
}


class UnknownKind(DomainError):
    code = "unknown_kind"
    default_message = _("This kind of case is not known.")


def register(spec: CaseKindSpec) -> CaseKindSpec:
    """Register a kind; registering the same spec again (a repeated `ready()`) is a no-op,
    while a different spec under a taken code or prefix is a programming error."""
    current = _kinds.get(spec.code)
    if current is not None and current != spec:
        raise ValueError(f"case kind {spec.code!r} is already registered")
    for other in _kinds.values():
        if other.code != spec.code and other.prefix == spec.prefix:
            raise ValueError(f"prefix {spec.prefix!r} is taken by {other.code!r}")
    if current is None:
        _changed()
    _kinds[spec.code] = spec
    register_audit_labels(spec.audit_labels)
    return spec


def unregister(code: str) -> None:
    """For tests that register a throwaway kind."""
    if _kinds.pop(code, None) is not None:
        _changed()


#: Scope rules read the kinds' openings (`visible_outside_matrix`): a restriction built
#: before a kind was registered or dropped is built again (core.versions.versioned).
KINDS_READ = "case-kinds"
_generation = 0


def _changed() -> None:
    global _generation
    _generation += 1


versioned(KINDS_READ, lambda: _generation)


def register_audit_labels(labels: Mapping[str, str | Promise]) -> None:
    """Timeline labels of audit actions that are not tied to one kind (an institution's
    register entries, say)."""
    _audit_labels.update(labels)


def audit_label(action: str) -> str:
    return str(_audit_labels.get(action, action))


def get(code: str) -> CaseKindSpec:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownKind(field="kind") from None


def all_kinds() -> list[CaseKindSpec]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def choices(*, openable_only: bool = False) -> list[tuple[str, str]]:
    return [(k.code, str(k.label)) for k in all_kinds() if k.openable or not openable_only]


class RegisteredKinds:
    """The registered kinds as choices, read each time they are iterated: a filter or
    form field declared at import time lists the kinds registered later, and the API
    schema can still enumerate them (it skips callables)."""

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(choices())


def step_choices() -> list[tuple[str, str]]:
    """Every registered kind's steps, once each."""
    out: dict[str, str] = {}
    for spec in all_kinds():
        for code, text in spec.steps.items():
            out.setdefault(code, str(text))
    return sorted(out.items())


def label(code: str) -> str:
    spec = _kinds.get(code)
    return str(spec.label) if spec else code


def step_label(kind: str, step: str) -> str:
    spec = _kinds.get(kind)
    return spec.step_label(step) if spec else step


def validate_step(kind: str, step: str) -> None:
    if step and step not in get(kind).steps:
        raise DomainError(_("This step does not belong to this kind of case."), field="step")


def visible_outside_matrix(scope: Scope, action: str, prefix: str) -> Q | None:
    """OR of every kind's `visible_to`, each limited to its own kind."""
    note_read(KINDS_READ, _generation)
    out: Q | None = None
    for spec in _kinds.values():
        if spec.visible_to is None:
            continue
        q = spec.visible_to(scope, action, prefix)
        if q is None:
            continue
        q &= Q(**{f"{prefix}kind": spec.code})
        out = q if out is None else out | q
    return out


def decision_steps(kind: str) -> frozenset[str]:
    spec = _kinds.get(kind)
    return spec.decision_steps if spec else frozenset()


def task_done(*, task: Task, actor: Any) -> None:
    spec = _kinds.get(task.case.kind)
    if spec and spec.on_task_done:
        spec.on_task_done(task=task, actor=actor)


def task_returned(*, task: Task, actor: Any) -> None:
    spec = _kinds.get(task.case.kind)
    if spec and spec.on_task_returned:
        spec.on_task_returned(task=task, actor=actor)


def case_closed(*, case: Case, actor: Any) -> None:
    spec = _kinds.get(case.kind)
    if spec and spec.on_case_closed:
        spec.on_case_closed(case=case, actor=actor)


def case_cancelled(*, case: Case, actor: Any) -> None:
    spec = _kinds.get(case.kind)
    if spec and spec.on_case_cancelled:
        spec.on_case_cancelled(case=case, actor=actor)


def reopen_refusal(*, case: Case) -> str | None:
    spec = _kinds.get(case.kind)
    return spec.reopen_refusal(case=case) if spec and spec.reopen_refusal else None


def panels_for(*, request: Any, case: Case) -> list[tuple[str, dict[str, Any]]]:
    spec = _kinds.get(case.kind)
    if spec is None or spec.panel is None:
        return []
    panel = spec.panel(request=request, case=case)
    return [panel] if panel is not None else []


def steps_of(codes: Iterable[str], labels: Mapping[str, str | Promise]) -> dict[str, str | Promise]:
    """A kind's step mapping from step codes and a label table (a TextChoices' labels)."""
    return {code: labels.get(code, code) for code in codes}
