from typing import Any

from django.core.management.base import BaseCommand, CommandError

from policy.loader import ProfileFileError, available_profiles, load_profile


class Command(BaseCommand):
    help = "Load policy profile files (policy/profiles/*.yaml) into the database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("codes", nargs="*", help="Profile codes; default: all files.")

    def handle(self, *args: Any, codes: list[str], **options: Any) -> None:
        for code in codes or available_profiles():
            try:
                profile = load_profile(code)
            except ProfileFileError as exc:
                raise CommandError(f"{code}:\n  " + "\n  ".join(exc.errors))
            self.stdout.write(f"loaded profile {profile.code} ({profile.name}): "
                              f"{profile.cells.count()} matrix cells")
