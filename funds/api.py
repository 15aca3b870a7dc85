"""The funds API: orders and the ledger for who reads them, and the inbound payments
of the custodian bank (token clients with the `funds:write` scope)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.views import StrictQueryMixin
from core.principals import is_system
from funds import selectors, services
from funds.models import Entry, Order, RiskWarning
from funds.serializers import (
    BankBalanceResultSerializer,
    BankBalanceSerializer,
    EntrySerializer,
    OrderSerializer,
    PaymentResultSerializer,
    PaymentSerializer,
    WarningSerializer,
)


class OrderViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Orders in the caller's funds scope (issue 11 "Access")."""

    serializer_class = OrderSerializer
    lookup_field = "number"
    required_scope = "funds:write"
    queryset = Order.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.orders(self.request.user)


class EntryViewSet(StrictQueryMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """The ledger's entries in the caller's funds scope, newest first (token clients with
    `funds:read`: their regions)."""

    serializer_class = EntrySerializer
    required_scope = "funds:read"
    queryset = Entry.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.entries(self.request.user)


class PaymentViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """A payment reported by the custodian bank; idempotent on its transaction id (the
    same movement again, `created` false)."""

    serializer_class = PaymentSerializer
    required_scope = "funds:write"
    parser_classes = [JSONParser]
    queryset = Order.objects.none()

    @extend_schema(request=PaymentSerializer,
                   responses={200: PaymentResultSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def create(self, request: Request) -> Response:
        if not is_system(request.user):
            raise PermissionDenied()  # the bank's token client only
        data = PaymentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        payment = services.payment_record(actor=request.user, **data.validated_data)
        body = PaymentResultSerializer({
            "movement": payment.movement.pk, "order_number": payment.movement.order.number,
            "amount": payment.movement.amount, "created": payment.created}).data
        return Response(body, status=status.HTTP_200_OK)


class BankBalanceViewSet(StrictQueryMixin, viewsets.GenericViewSet):
    """The custodian bank's daily closing balance of a supervised account, compared with
    the ledger by the daily reconciliation; idempotent on (institution, day)."""

    serializer_class = BankBalanceSerializer
    required_scope = "funds:write"
    parser_classes = [JSONParser]
    queryset = Order.objects.none()

    @extend_schema(request=BankBalanceSerializer,
                   responses={200: BankBalanceResultSerializer,
                              404: ErrorSerializer, 409: ErrorSerializer})
    def create(self, request: Request) -> Response:
        if not is_system(request.user):
            raise PermissionDenied()  # the bank's token client only
        data = BankBalanceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = services.bank_balance_report(actor=request.user, **data.validated_data)
        body = BankBalanceResultSerializer({"uscc": report.institution.uscc, "day": report.day,
                                            "balance": report.balance,
                                            "created": created}).data
        return Response(body, status=status.HTTP_200_OK)


class WarningViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Risk warnings in the caller's funds scope (003)."""

    serializer_class = WarningSerializer
    required_scope = "funds:read"
    queryset = RiskWarning.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.warnings(self.request.user)
