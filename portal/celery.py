"""The Celery app. One beat schedule, kept in code (STYLE.md §7)."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def _beat_schedule(sender: Celery, **kwargs: object) -> None:
    from django.conf import settings

    sender.conf.beat_schedule = {
        "deadline-scan": {
            "task": "cases.tasks.deadline_scan",
            "schedule": settings.DEADLINE_SCAN_MINUTES * 60.0,
        },
        "calendar-coverage-check": {
            "task": "policy.tasks.calendar_coverage_check",
            "schedule": crontab(hour=7, minute=0, day_of_month="1"),
        },
        "complaints-close-unrated": {
            "task": "complaints.tasks.close_unrated",
            "schedule": crontab(hour=6, minute=30),
        },
        "zombie-scan": {
            "task": "inspections.tasks.zombie_scan",
            "schedule": crontab(hour=2, minute=30),
        },
        "funds-disburse": {
            "task": "funds.tasks.disburse_due",
            "schedule": crontab(hour=2, minute=30),
        },
        "funds-reconcile": {
            "task": "funds.tasks.reconcile",
            "schedule": crontab(hour=6, minute=0),
        },
        "funds-risk-scan": {
            "task": "funds.tasks.risk_scan",
            "schedule": crontab(hour=6, minute=30),
        },
        "governance-summary-reminders": {
            "task": "governance.tasks.summary_reminders",
            "schedule": crontab(hour=7, minute=30),
        },
        # 004 annex 2: the monthly report's tasks, opened on the 20th (idempotent).
        "reports-monthly-open": {
            "task": "reports.monthly_tasks.monthly_open",
            "schedule": crontab(hour=7, minute=45, day_of_month="20"),
        },
    }
