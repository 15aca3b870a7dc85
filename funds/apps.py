from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FundsConfig(AppConfig):
    name = "funds"
    verbose_name = _("Funds")

    def ready(self) -> None:
        from core import nav
        from funds import abilities, selectors
        from institutions import ports

        abilities.load()
        ports.register_funds(ports.FundsFacts(
            arrangement_in_place=selectors.arrangement_in_place,
            orders_url=selectors.orders_url))
        nav.register(nav.NavEntry("funds", _("Funds"), "funds:overview",
                                  ability="funds.view", order=40),
                     nav.NavEntry("funds-parent", _("My training order"), "funds:parent_order",
                                  public=True, order=40))
