"""Celery entry points of the cases app: they take ids, re-read rows and are idempotent."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cases.models import Notification

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def deadline_scan(day: str | None = None) -> dict[str, int]:
    """The scan for `day` (ISO date, Asia/Shanghai), or for today: a missed or wrong run
    is re-run for its day without code (`manage.py deadline_scan --date 2026-10-08`)."""
    import datetime as dt

    from cases.services import deadline_scan as scan

    stats = scan(today=dt.date.fromisoformat(day) if day else None)
    log.info("deadline scan %s: %s", day or "today", stats)
    return stats


@shared_task(acks_late=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_emails(notification_ids: list[int]) -> int:
    """E-mail each notification once (a conditional update claims it first; a failed
    send releases the claim so that the retry sends it)."""
    from cases import services

    sent = 0
    for note in Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True
                                            ).select_related("recipient", "case"):
        if not note.recipient.email:
            continue
        if not Notification.objects.filter(pk=note.pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()):
            continue
        link = (f"{settings.SITE_URL}{note.case.get_absolute_url()}" if note.case else
                f"{settings.SITE_URL}{services.digest_path(note.recipient, note)}"
                if services.is_scan_digest(note) else "")
        # In the deployment's language, whatever request or worker language is active.
        with translation.override(settings.LANGUAGE_CODE):
            subject = f"[{_('Off-campus training supervision portal')}] {note.render_title()}"
        try:
            send_mail(subject=subject, message=f"{note.body}\n\n{link}".strip(),
                      from_email=settings.DEFAULT_FROM_EMAIL,
                      recipient_list=[note.recipient.email], fail_silently=False)
        except OSError:
            Notification.objects.filter(pk=note.pk).update(emailed_at=None)
            raise
        sent += 1
    return sent
