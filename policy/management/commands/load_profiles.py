from typing import Any

from django.core.management.base import BaseCommand, CommandError

from policy.loader import ProfileFileError, available_profiles, load_profile


class Command(BaseCommand):
    help = ("Load policy profile files (policy/profiles/*.yaml) into the database. A profile "
            "whose merged content is unchanged is left alone, so running this at every start "
            "changes nothing; each changed profile writes one PolicyChange.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("codes", nargs="*", help="Profile codes; default: all files.")
        parser.add_argument("--force", action="store_true",
                            help="Rewrite the rows even where the checksum matches.")

    def handle(self, *args: Any, codes: list[str], force: bool = False, **options: Any) -> None:
        problems = []
        for code in codes or available_profiles():
            try:
                change = load_profile(code, force=force, actor="load_profiles")
            except ProfileFileError as exc:
                problems.append(f"{code}:\n  " + "\n  ".join(exc.errors))
                continue
            if change is None:
                self.stdout.write(f"unchanged profile {code}")
            else:
                self.stdout.write(f"loaded profile {code}: {change.old_hash[:12] or '-'} -> "
                                  f"{change.new_hash[:12]} {sorted(change.summary)}")
        if problems:
            raise CommandError("\n".join(problems))
