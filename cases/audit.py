"""Writing the audit trail (DESIGN.md "Audit"). Called by every service that changes
state, inside the service's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from django.contrib.contenttypes.models import ContentType
from django.db import models

from cases.models import AuditEvent, Case
from core.request import current_client_ip


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return value.pk
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of a row, as JSON-ready values (FKs as ids)."""
    out = {}
    for name in fields:
        field = obj._meta.get_field(name)
        out[name] = getattr(obj, field.attname)
    return _jsonable(out)


def _actor_fields(actor: Any) -> dict[str, Any]:
    user = actor if getattr(actor, "pk", None) and hasattr(actor, "role") else None
    label = "" if user else (str(actor) if actor else "system")
    return {"actor_id": user.pk if user else None, "actor_label": label}


def _event(*, actor_fields: dict[str, Any], action: str, case: Case | int | None,
           obj: models.Model | None, before: dict[str, Any] | None,
           after: dict[str, Any] | None, reason: str, ip: str | None) -> AuditEvent:
    # Ids rather than instances: a bulk write builds thousands of these (issue 13).
    return AuditEvent(
        **actor_fields,
        action=action,
        case_id=case if isinstance(case, int) or case is None else case.pk,
        content_type_id=ContentType.objects.get_for_model(obj).pk if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        reason=reason,
        ip=ip,
    )


def audit_record(
    *,
    actor: Any,
    action: str,
    case: Case | None = None,
    obj: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str = "",
) -> AuditEvent:
    event = _event(actor_fields=_actor_fields(actor), action=action, case=case, obj=obj,
                   before=before, after=after, reason=reason, ip=current_client_ip())
    event.save(force_insert=True)
    return event


class AuditItem(NamedTuple):
    """One object's change in a bulk write: its case (or the case's id), before and after."""

    obj: models.Model
    case: Case | int | None
    before: dict[str, Any]
    after: dict[str, Any]


def audit_record_many(*, actor: Any, action: str, items: Sequence[AuditItem],
                      reason: str = "") -> list[AuditEvent]:
    """`audit_record` for many objects changed alike, in one INSERT: each object keeps
    its own row with its own before and after (issue 13: the deadline scan works a backlog
    in batches, and a row-by-row audit was a query per task)."""
    fields = _actor_fields(actor)
    ip = current_client_ip()
    return AuditEvent.objects.bulk_create([
        _event(actor_fields=fields, action=action, case=item.case, obj=item.obj,
               before=item.before, after=item.after, reason=reason, ip=ip)
        for item in items])


def audit_shared_columns(*, actor: Any, action: str, reason: str = "") -> dict[str, Any]:
    """The columns every row of a bulk audit write shares (actor, action, reason, client
    IP), for a write that builds the rest of its rows in SQL (issue 13: the deadline scan
    on PostgreSQL). The same values `audit_record_many` writes."""
    return {**_actor_fields(actor), "action": action, "reason": reason,
            "ip": current_client_ip()}
