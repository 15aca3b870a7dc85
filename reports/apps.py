from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The monthly statutory report (004 annex 2), the dashboards and the coverage figures
    (004 §2). It reads what the other apps record, through their selectors and the scope
    gateway; it sits above governance in the layers of DESIGN.md."""

    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from reports import abilities

        abilities.load()
        # -- dashboards and coverage (issue 12 "Dashboards") --
        from core.nav import NavEntry, register

        register(NavEntry("reports_dashboard", _("Overview"), "reports:dashboard",
                          ability="reports.view_dashboard", order=5))
        # -- end dashboards and coverage --
        self._ready_monthly()

    def _ready_monthly(self) -> None:
        """The monthly statutory report: its case kind, deadline key, task and menu."""
        from cases import kinds
        from core.nav import NavEntry, register
        from policy.deadlines import declare
        from reports import monthly_tasks, services  # noqa: F401  (registers the task)

        declare(services.DEADLINE_KEY, owner="reports.monthly")
        kinds.register(services.kind_spec())
        register(NavEntry("reports_monthly", _("Monthly report"), "reports:monthly",
                          ability="reports.view_monthly", order=60))
