from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LicensingConfig(AppConfig):
    name = "licensing"
    verbose_name = _("Licensing")

    def ready(self) -> None:
        from cases import kinds
        from institutions import ports
        from licensing import abilities, selectors, services
        from licensing import kinds as licensing_kinds
        from policy.deadlines import declare

        abilities.load()
        declare(*sorted(set(services.DEADLINE_KEYS.values())), owner="licensing")
        kinds.register(licensing_kinds.spec())
        ports.register_licensing(ports.LicensingFacts(
            running_application=selectors.running_application,
            application_case_open=selectors.application_case_open,
            course_in_application=selectors.course_in_application,
            relicensed=selectors.relicensed,
            course_change_submit=services.course_change_submit,
            course_listing_submit=services.course_listing_submit,
        ))
