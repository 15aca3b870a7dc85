"""Celery entry point of the monthly report (imported by ReportsConfig.ready so that the
worker knows it; the beat schedule is in portal/celery.py)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True, name="reports.monthly_tasks.monthly_open")
def monthly_open() -> int:
    """Open this month's reports and their tasks (idempotent): run by beat on the 20th,
    so each department has its task well before the 1st (004 annex 2 note 1)."""
    from reports.services import monthly_open as open_reports

    return open_reports()
