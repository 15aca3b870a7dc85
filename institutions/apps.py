from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InstitutionsConfig(AppConfig):
    name = "institutions"
    verbose_name = _("Institutions")

    def ready(self) -> None:
        from institutions import licensing, views  # noqa: F401  (register hooks and panels)
        from policy.deadlines import declare

        # -- licensing deadlines: moves with the licensing workflow into licensing/ -------
        declare(*sorted(set(licensing.DEADLINE_KEYS.values())), owner="licensing")
