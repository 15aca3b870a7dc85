"""Celery entry points of the inspections app: they re-read rows and are idempotent."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def zombie_scan(day: str | None = None) -> int:
    """The daily zombie scan for `day` (ISO date) or today (000 §4(3))."""
    from inspections.services import zombie_scan as scan

    opened = scan(today=dt.date.fromisoformat(day) if day else None)
    log.info("zombie scan %s: %s opened", day or "today", opened)
    return opened
