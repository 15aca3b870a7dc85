"""The funds API: orders and the ledger for who reads them, and the inbound payments
of the custodian bank (token clients with the `funds:write` scope)."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.fastlist import FastListMixin, decimal_text, iso_date, iso_datetime
from core.api.parsers import JSONParser
from core.api.views import StrictQueryMixin
from core.principals import is_system
from funds import selectors, services
from funds.models import (
    Consumption,
    ConsumptionState,
    Entry,
    Movement,
    Order,
    RefundRequest,
    RiskWarning,
)
from funds.serializers import (
    BankBalanceResultSerializer,
    BankBalanceSerializer,
    ConsumptionCreateSerializer,
    ConsumptionSerializer,
    EntrySerializer,
    OrderSerializer,
    PaymentResultSerializer,
    PaymentSerializer,
    RefundRequestCreateSerializer,
    RefundRequestSerializer,
    WarningSerializer,
)

#: The answers of an idempotent create: the record made now, or the one the same key made.
_CREATED = "Recorded."
_REPLAY = "Already recorded under this idempotency key: the first record, nothing new."

# The fast read paths of the lists (issue 13): each row function writes a `values()` row
# as the list's serializer writes the instance; funds/tests/test_fastlist.py compares them.

def order_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the order list, as `OrderSerializer` writes it."""
    return {
        "number": row["number"], "institution": row["institution__uscc"],
        "course": row["course__name"], "learner_name": row["learner_name"],
        "class_hours": row["class_hours"], "months": row["months"],
        "amount": decimal_text(row["amount"]), "contract_version": row["contract_version"],
        "ordered_on": iso_date(row["ordered_on"]), "state": row["state"],
        "hours_consumed": row["hours_consumed"], "hours_refunded": row["hours_refunded"],
        "held": decimal_text(row["held"]), "consumed": decimal_text(row["consumed"]),
        "disbursed": decimal_text(row["disbursed"]), "refunded": decimal_text(row["refunded"]),
        "created_at": iso_datetime(row["created_at"]),
    }


def entry_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the ledger, as `EntrySerializer` writes it."""
    return {
        "id": row["id"], "movement": row["movement"], "order": row["order__number"],
        "kind": row["movement__kind"], "account": row["account"],
        "amount": decimal_text(row["amount"]), "reason": row["movement__reason"],
        "created_at": iso_datetime(row["created_at"]),
    }


def consumption_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the consumption list, as `ConsumptionSerializer` writes it (its
    `disputable` as `get_disputable` reads it)."""
    return {
        "id": row["id"], "order": row["order__number"], "hours": row["hours"],
        "amount": decimal_text(row["amount"]), "lesson_on": iso_date(row["lesson_on"]),
        "dispute_until": iso_date(row["dispute_until"]),
        "disputable": row["state"] == ConsumptionState.RECORDED
        and timezone.localdate() <= row["dispute_until"],
        "state": row["state"], "recorded_at": iso_datetime(row["recorded_at"]),
    }


def refund_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the refund-request list, as `RefundRequestSerializer` writes it."""
    return {
        "id": row["id"], "order": row["order__number"], "reason": row["reason"],
        "channel": row["channel"], "state": row["state"],
        "institution_note": row["institution_note"], "decision": row["decision"],
        "amount": decimal_text(row["amount"]),
        "requested_at": iso_datetime(row["requested_at"]),
        "closed_at": iso_datetime(row["closed_at"]),
    }


class OrderViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Orders in the caller's funds scope (issue 11 "Access")."""

    serializer_class = OrderSerializer
    list_values = ("id", "number", "institution__uscc", "course__name", "learner_name",
                   "class_hours", "months", "amount", "contract_version", "ordered_on",
                   "state", "hours_consumed", "hours_refunded", "held", "consumed",
                   "disbursed", "refunded", "created_at")
    list_row = staticmethod(order_row)
    lookup_field = "number"
    required_scope = "funds:write"
    queryset = Order.objects.none()

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.orders(self.request.user)


class EntryViewSet(StrictQueryMixin, FastListMixin, mixins.ListModelMixin,
                  viewsets.GenericViewSet):
    """The ledger's entries in the caller's funds scope, newest first (token clients with
    `funds:read`: their regions)."""

    serializer_class = EntrySerializer
    list_values = ("id", "movement", "order__number", "movement__kind", "account", "amount",
                   "movement__reason", "created_at")
    list_row = staticmethod(entry_row)
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


class ReadWriteScopeMixin:
    """Reading needs `funds:read` (or `funds:write`, which reads what it writes);
    writing needs `funds:write`, as the payments endpoint does."""

    request: Request

    @property
    def required_scope(self) -> str:
        if self.request.method not in ("GET", "HEAD", "OPTIONS"):
            return "funds:write"
        user = self.request.user
        if is_system(user) and user.has_scope("funds:write"):  # type: ignore[union-attr]
            return "funds:write"
        return "funds:read"


def _order_to_work_on(user: object, number: str) -> Order:
    """The order by number within the caller's working scope; missing and outside answer
    alike (Order.DoesNotExist: 404)."""
    return Order.objects.restrict(user, "change").select_related("institution").get(
        number=number.strip())


class ConsumptionViewSet(ReadWriteScopeMixin, StrictQueryMixin, FastListMixin,
                         mixins.ListModelMixin,
                         mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Class consumption (消课, 002 §2(3)) in the caller's funds scope, newest first, with
    each record's dispute window; the institution's users and token clients with
    `funds:write` record attended lessons (idempotent on the key)."""

    serializer_class = ConsumptionSerializer
    queryset = Consumption.objects.none()
    list_values = ("id", "order__number", "hours", "amount", "lesson_on", "dispute_until",
                   "state", "recorded_at")
    list_row = staticmethod(consumption_row)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.consumption_list(self.request.user)

    @extend_schema(request=ConsumptionCreateSerializer,
                   responses={200: OpenApiResponse(ConsumptionSerializer, description=_REPLAY),
                              201: OpenApiResponse(ConsumptionSerializer,
                                                   description=_CREATED),
                              404: ErrorSerializer, 409: ErrorSerializer})
    def create(self, request: Request) -> Response:
        data = ConsumptionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        order = _order_to_work_on(request.user, values.pop("order_number"))
        # A replay is the same key on this order (read through the scoped order); a key of
        # another order is the service's 409.
        replay = Movement.objects.filter(order=order,
                                         idempotency_key=values["idempotency_key"]).exists()
        consumption = services.consumption_record(actor=request.user, order=order, **values)
        return Response(ConsumptionSerializer(consumption).data,
                        status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)


class RefundRequestViewSet(ReadWriteScopeMixin, StrictQueryMixin, FastListMixin,
                           mixins.ListModelMixin,
                           mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Parents' refund requests in the caller's funds scope and their state: requested,
    refused by the institution (then the supervising department decides), refunded or
    rejected (002 §2(3) 退费顺畅). A request is recorded on the parent's behalf,
    idempotent on the key."""

    serializer_class = RefundRequestSerializer
    queryset = RefundRequest.objects.none()
    list_values = ("id", "order__number", "reason", "channel", "state", "institution_note",
                   "decision", "amount", "requested_at", "closed_at")
    list_row = staticmethod(refund_row)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.refund_requests(self.request.user)

    @extend_schema(request=RefundRequestCreateSerializer,
                   responses={200: OpenApiResponse(RefundRequestSerializer,
                                                   description=_REPLAY),
                              201: OpenApiResponse(RefundRequestSerializer,
                                                   description=_CREATED),
                              404: ErrorSerializer, 409: ErrorSerializer})
    def create(self, request: Request) -> Response:
        data = RefundRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        order = Order.objects.restrict(request.user).get(
            number=values.pop("order_number").strip())
        replay = RefundRequest.objects.filter(
            order=order, idempotency_key=values["idempotency_key"]).exists()
        refund = services.refund_request(actor=request.user, order=order, **values)
        return Response(RefundRequestSerializer(refund).data,
                        status=status.HTTP_200_OK if replay else status.HTTP_201_CREATED)
