"""The app's REST routes, included under /api/v1/ by portal/api/urls.py."""

from rest_framework.routers import SimpleRouter

from funds.api import (
    BankBalanceViewSet,
    ConsumptionViewSet,
    EntryViewSet,
    OrderViewSet,
    PaymentViewSet,
    RefundRequestViewSet,
    WarningViewSet,
)

router = SimpleRouter()
router.register("funds/orders", OrderViewSet, basename="fund-order")
router.register("funds/entries", EntryViewSet, basename="fund-entry")
router.register("funds/payments", PaymentViewSet, basename="fund-payment")
router.register("funds/bank-balances", BankBalanceViewSet, basename="fund-bank-balance")
router.register("funds/warnings", WarningViewSet, basename="fund-warning")
router.register("funds/consumptions", ConsumptionViewSet, basename="fund-consumption")
router.register("funds/refunds", RefundRequestViewSet, basename="fund-refund")

urlpatterns = router.urls
