from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from cases import kinds
        from complaints import abilities, services
        from complaints import kinds as complaint_kinds
        from core.nav import NavEntry, register
        from policy.deadlines import declare

        abilities.load()
        declare(*sorted({*services.DEADLINE_KEYS.values(), services.RATING_WAIT_KEY}),
                owner="complaints")
        kinds.register(complaint_kinds.spec())
        register(
            NavEntry("complaints_file", _("File a complaint"), "complaints:file", public=True,
                     order=40),
            NavEntry("complaints_office", _("Complaints"), "complaints:office_list",
                     ability="complaints.view_list", order=40),
            NavEntry("complaints_analytics", _("Complaint analysis"), "complaints:analytics",
                     ability="complaints.analytics", order=41),
            NavEntry("complaints_about_us", _("Complaints about my institution"),
                     "complaints:institution_list", ability="complaints.explain", order=42),
        )
