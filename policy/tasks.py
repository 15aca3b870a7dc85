"""Celery entry points of the policy app."""

import logging

from celery import shared_task
from django.utils import timezone

from policy.models import CalendarYear

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def calendar_coverage_check() -> bool:
    """Warn while next year's working-day calendar is missing, so that admins add it
    before deadlines start to reach into it."""
    next_year = timezone.localdate().year + 1
    ok = CalendarYear.objects.filter(year=next_year).exists()
    if not ok:
        log.warning("working-day calendar has no data for %s", next_year)
    return ok
