"""Celery entry points of the policy app."""

import logging

from celery import shared_task
from django.utils import timezone

from policy.calendar import years_missing

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def calendar_coverage_check() -> bool:
    """Warn while the working-day calendar lacks a year it should hold by now, so that
    admins add it before deadlines start to reach into it. Which years those are is
    `policy.calendar.years_missing`'s rule (this year, and from October the next), the
    one the dashboard's warning reads: the task and the page never disagree."""
    missing = years_missing(timezone.localdate())
    for year in missing:
        log.warning("working-day calendar has no data for %s", year)
    return not missing
