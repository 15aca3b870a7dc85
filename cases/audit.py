"""Writing the audit trail (DESIGN.md "Audit"). Called by every service that changes
state, inside the service's transaction."""

from __future__ import annotations

from typing import Any

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
    user = actor if getattr(actor, "pk", None) and hasattr(actor, "role") else None
    label = "" if user else (str(actor) if actor else "system")
    return AuditEvent.objects.create(
        actor=user,
        actor_label=label,
        action=action,
        case=case,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        reason=reason,
        ip=current_client_ip(),
    )
