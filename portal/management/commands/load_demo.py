from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo data (idempotent): Kunming, two districts, users, cases and tasks."

    def handle(self, *args: Any, **options: Any) -> None:
        from django.conf import settings
        from django.utils import translation

        translation.activate(settings.LANGUAGE_CODE)  # stored texts in the default language
        call_command("load_profiles", stdout=self.stdout)
        result = load_demo()
        self.stdout.write(self.style.SUCCESS(
            f"demo data ready: {len(result['users'])} users, password {result['password']}"))
        for number, code, learner in result.get("parent_orders", [])[:2]:
            self.stdout.write(f"parent's order page /funds/order/: order {number}, private code "
                              f"{code} ({learner})")
