from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = _("Cases and tasks")

    def ready(self) -> None:
        from cases import abilities
        from cases.models import Case
        from org.feed import track
        from policy.deadlines import declare

        abilities.load()
        track(Case, kind="case", key_field="number")
        # Read by cases.services: task_assign's default, the reminder and the escalation of
        # the deadline scan.
        declare("task_default", "reminder_days_before", "escalation_level2_after",
                owner="cases")
