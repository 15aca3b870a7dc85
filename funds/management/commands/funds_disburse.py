"""Run timed disbursement (序时拨付) for a day, as the scheduled job does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Release consumed, undisputed amounts to the institutions (timed disbursement)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="The day to run for (YYYY-MM-DD); default today.")

    def handle(self, *args: Any, **options: Any) -> None:
        from funds.services import disburse_due

        day = None
        if options.get("date"):
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("Give the date as YYYY-MM-DD.") from None
        made = disburse_due(today=day)
        self.stdout.write(f"{made} disbursement(s) made.")
