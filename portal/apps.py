from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        from institutions import ports
        from portal import ports as portal_ports
        from portal import wiring

        wiring.wire()
        ports.register_complaint_counts(portal_ports.complaint_counts)
