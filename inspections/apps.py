from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from cases import kinds
        from core.nav import NavEntry, register
        from inspections import abilities, complaint_outcomes, services
        from inspections import kinds as inspection_kinds
        from policy.deadlines import declare

        abilities.load()
        from inspections import record
        from institutions import ports

        ports.register_record(ports.RecordFacts(
            office_history=record.office_history, public_history=record.public_history,
            listed_since=record.listed_since))
        complaint_outcomes.register()
        declare(*services.DEADLINE_KEYS, owner="inspections")
        for spec in inspection_kinds.specs():
            kinds.register(spec)
        register(
            NavEntry("inspections.rounds", _("Annual inspections"), "inspections:round_list",
                     ability="inspections.view", order=40),
            NavEntry("inspections.daily", _("Daily inspections"), "inspections:daily_list",
                     ability="inspections.view", order=41),
            NavEntry("inspections.orders", _("Rectification orders"), "inspections:order_list",
                     ability="inspections.view_orders", order=42),
            NavEntry("inspections.zombies", _("Zombie institutions"), "inspections:zombie_list",
                     ability="inspections.view", order=43),
            NavEntry("inspections.enforcement", _("Enforcement cases"),
                     "inspections:enforcement_list", ability="inspections.view", order=44),
            NavEntry("inspections.blacklist", _("Black list entries"),
                     "inspections:blacklist_list", ability="inspections.view_orders",
                     order=45),
            NavEntry("inspections.credit", _("Credit export"), "inspections:credit_export",
                     ability="inspections.credit_export", order=48),
            NavEntry("inspections.stop_orders", _("Stop orders"), "inspections:stop_list",
                     ability="inspections.view", order=46),
            NavEntry("inspections.analytics", _("Inspection analysis"),
                     "inspections:analytics", ability="inspections.view", order=47),
            NavEntry("inspections.results", _("Annual inspection results"),
                     "inspections:public_results", public=True, order=40),
        )
