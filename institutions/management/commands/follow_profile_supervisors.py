"""After POLICY_PROFILE changes, move existing institutions to the supervising department
the new profile names (001 §3(2)); new institutions get it at registration already."""

from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.vocab import Category, label_of
from institutions.services import supervisors_follow_profile


class Command(BaseCommand):
    help = ("Give every institution the supervising department of the active policy profile, "
            "printing per county and category what moved (and what could not); each move is "
            "audited.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="Report what would move and change nothing.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        try:
            moves = supervisors_follow_profile(dry_run=dry_run)
        except DomainError as exc:
            raise CommandError(str(exc.message))
        groups = Counter((m.county, m.category, m.old, m.new, m.problem) for m in moves)
        for (county, category, old, new, problem), count in sorted(groups.items()):
            what = f"cannot move: {problem}" if problem else f"{old or '-'} -> {new}"
            self.stdout.write(f"{county} {label_of(Category, category)}: {count} {what}")
        moved = sum(1 for m in moves if not m.problem)
        verb = "would move" if dry_run else "moved"
        self.stdout.write(f"{verb} {moved} institution(s); "
                          f"{len(moves) - moved} could not move")
