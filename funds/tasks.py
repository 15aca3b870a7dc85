"""Celery entry points of the funds app: idempotent, each order in its own transaction."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def disburse_due(day: str | None = None) -> int:
    """Timed disbursement (序时拨付, 002 §2(3)) for `day` (ISO date) or today; re-running a
    day releases nothing twice (`manage.py funds_disburse --date 2026-10-08`)."""
    from funds.services import disburse_due as run

    made = run(today=dt.date.fromisoformat(day) if day else None)
    log.info("timed disbursement %s: %s", day or "today", made)
    return made


@shared_task(acks_late=True)
def reconcile(day: str | None = None) -> int:
    """The daily reconciliation of yesterday (or `day`) against the bank's balances."""
    from django.utils import timezone

    from funds.services import reconcile as run

    target = dt.date.fromisoformat(day) if day else timezone.localdate() - dt.timedelta(days=1)
    return run(day=target)


@shared_task(acks_late=True)
def risk_scan(day: str | None = None) -> int:
    """The daily scan of the warning rules (003)."""
    from funds.services import risk_scan as run

    return run(today=dt.date.fromisoformat(day) if day else None)
