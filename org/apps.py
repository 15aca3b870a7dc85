from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from org import schema  # noqa: F401  (registers the token scheme with drf-spectacular)
