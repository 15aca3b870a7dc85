from typing import Any

from django.core.management.base import BaseCommand

from policy.calendar import known_package_years, seed_calendar


class Command(BaseCommand):
    help = "Seed the working-day calendar from chinese-calendar (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true",
                            help="Rewrite years already present (admin edits are lost).")

    def handle(self, *args: Any, force: bool, **options: Any) -> None:
        years = seed_calendar(force=force)
        known = known_package_years()
        self.stdout.write(f"calendar {known.start}-{known.stop - 1}: "
                          f"seeded {', '.join(map(str, years)) or 'nothing new'}")
