"""Celery entry points of the complaints app."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def close_unrated() -> int:
    """Close replied complaints whose complainant stayed silent past the profile's
    waiting time (idempotent: a closed complaint is not touched again)."""
    from complaints.services import complaints_close_unrated

    return complaints_close_unrated()
