from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "policy"
    verbose_name = _("Policy")

    def ready(self) -> None:
        from core.i18n import register_reader
        from policy import signals  # noqa: F401
        from policy.sources import cite_in_text

        register_reader(cite_in_text)
