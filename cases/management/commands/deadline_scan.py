"""Run the deadline scan now, for today or for a given day (reminders, overdue marking
and escalations; each (task, level) escalates once however often it runs)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cases.services import deadline_scan
from core.errors import DomainError


class Command(BaseCommand):
    help = "Run the deadline scan for today, or for --date YYYY-MM-DD."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="the day to scan for (Asia/Shanghai), ISO format")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError(f"--date must be YYYY-MM-DD, not {options['date']!r}")
        try:
            stats = deadline_scan(today=day)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from exc
        self.stdout.write(f"deadline scan {day or 'today'}: {stats}")
