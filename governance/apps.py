from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GovernanceConfig(AppConfig):
    name = "governance"
    verbose_name = _("Joint governance")

    def ready(self) -> None:
        from cases import kinds
        from core.nav import NavEntry, register
        from governance import abilities, discipline, incidents, screening, services
        from governance import kinds as governance_kinds
        from policy.deadlines import declare

        abilities.load()
        declare(*services.DEADLINE_KEYS, screening.DEADLINE_KEY, owner="governance")
        declare(*incidents.DEADLINE_KEYS.values(), owner="governance")
        kinds.register(governance_kinds.spec())
        kinds.register(governance_kinds.screening_spec())
        kinds.register(governance_kinds.incident_spec())
        kinds.register(governance_kinds.plan_spec())
        declare(discipline.DEADLINE_KEY, owner="governance.discipline")
        kinds.register(discipline.kind_spec())
        register(
            NavEntry("governance_meetings", _("Joint meetings"), "governance:meetings",
                     ability="governance.view", order=45),
            NavEntry("governance_campaigns", _("Campaigns"), "governance:campaigns",
                     ability="governance.view", order=46),
            NavEntry("governance_screening", _("Market-entity screening"),
                     "governance:screening", ability="governance.view", order=47),
            # issue 12, governance part A
            NavEntry("governance_filings", _("Plans and working groups filed"),
                     "governance:filings", ability="governance.view", order=48),
        )
        register(
            NavEntry("governance_incidents", _("Incidents"), "governance:incidents",
                     ability="governance.view", order=48),
            NavEntry("governance_afterschool", _("After-school services"),
                     "governance:afterschool", ability="governance.view", order=49),
            NavEntry("governance_proposals", _("Supervision proposals"),
                     "governance:proposals", ability="governance.view", order=48),
            NavEntry("governance_evaluations", _("Evaluation records"),
                     "governance:evaluations", ability="governance.view", order=49),
        )
