"""Celery entry points of the governance app."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def summary_reminders() -> int:
    """Remind the offices of campaign summaries falling due (idempotent)."""
    from governance.services import summary_reminders as remind

    return remind()
