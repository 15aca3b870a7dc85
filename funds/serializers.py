from rest_framework import serializers

from core.api.schema import NOT_BLANK
from core.api.serializers import KnownFieldsSerializer, ModelSerializer, StrictRegexField
from funds.models import Consumption, Entry, Order, RefundRequest, RiskWarning


class OrderSerializer(ModelSerializer):
    institution = serializers.CharField(source="institution.uscc", read_only=True)
    course = serializers.CharField(source="course.name", read_only=True)

    class Meta:
        model = Order
        fields = ["number", "institution", "course", "learner_name", "class_hours", "months",
                  "amount", "contract_version", "ordered_on", "state", "hours_consumed",
                  "hours_refunded", "held", "consumed", "disbursed", "refunded", "created_at"]
        read_only_fields = fields


class EntrySerializer(ModelSerializer):
    order = serializers.CharField(source="order.number", read_only=True)
    kind = serializers.CharField(source="movement.kind", read_only=True)
    movement = serializers.IntegerField(source="movement_id", read_only=True)
    reason = serializers.CharField(source="movement.reason", read_only=True)

    class Meta:
        model = Entry
        fields = ["id", "movement", "order", "kind", "account", "amount", "reason",
                  "created_at"]
        read_only_fields = fields


#: A positive amount of yuan: 1 to 10 digits, at most two decimals; never zero.
YUAN = r"^(0\.(0[1-9]|[1-9][0-9]?)|[1-9][0-9]{0,9}(\.[0-9]{1,2})?)$"


# Text is typed strictly (issue 14 D8): an amount sent as the JSON number 3600.5 (a binary
# float, which the schema and STYLE.md §8 rule out for money) was read as "3600.5". (Hours
# stay DRF's integer: consumption is also posted as a form, whose values are all text.)

class PaymentSerializer(KnownFieldsSerializer):
    """A payment into custody, as the custodian bank reports it."""

    transaction_id = StrictRegexField(NOT_BLANK, max_length=64, min_length=1,
                                      help_text="The bank's own transaction id: a "
                                      "repeated id records nothing twice.")
    order_number = StrictRegexField(NOT_BLANK, max_length=20, min_length=1)
    amount = StrictRegexField(
        YUAN, max_length=13,
        help_text="Yuan with at most two decimals, as a string (never a binary float).")


class PaymentResultSerializer(serializers.Serializer):
    movement = serializers.IntegerField()
    order_number = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    created = serializers.BooleanField(help_text="False when the transaction was recorded "
                                       "before.")


class BankBalanceSerializer(KnownFieldsSerializer):
    """An account's closing balance for a day, as the custodian bank reports it."""

    uscc = StrictRegexField(NOT_BLANK, max_length=18, min_length=1,
                            help_text="The institution's unified social credit code.")
    day = serializers.DateField()
    balance = StrictRegexField(
        r"^(0|[1-9][0-9]{0,11})(\.[0-9]{1,2})?$", max_length=15,
        help_text="Yuan with at most two decimals, as a string.")


class BankBalanceResultSerializer(serializers.Serializer):
    uscc = serializers.CharField()
    day = serializers.DateField()
    balance = serializers.DecimalField(max_digits=14, decimal_places=2)
    created = serializers.BooleanField()


class WarningSerializer(ModelSerializer):
    institution = serializers.CharField(source="institution.uscc", read_only=True)
    rule = serializers.CharField(source="rule.code", read_only=True)

    class Meta:
        model = RiskWarning
        fields = ["id", "institution", "rule", "window", "value", "threshold", "state",
                  "created_at"]
        read_only_fields = fields


class ConsumptionSerializer(ModelSerializer):
    """A class-consumption record (消课, 002 §2(3)), with the parent's dispute window."""

    order = serializers.CharField(source="order.number", read_only=True)
    disputable = serializers.SerializerMethodField(
        help_text="True while the parent may still dispute the record.")

    class Meta:
        model = Consumption
        fields = ["id", "order", "hours", "amount", "lesson_on", "dispute_until", "disputable",
                  "state", "recorded_at"]
        read_only_fields = fields

    def get_disputable(self, obj: Consumption) -> bool:
        from django.utils import timezone

        return obj.state == "recorded" and timezone.localdate() <= obj.dispute_until


class ConsumptionCreateSerializer(KnownFieldsSerializer):
    """Attended lessons the institution records on a paid order; the money moves from
    the held balance to consumed, so the call takes an idempotency key."""

    order_number = StrictRegexField(NOT_BLANK, max_length=20, min_length=1)
    hours = serializers.IntegerField(min_value=1, max_value=1000)
    lesson_on = serializers.DateField()
    idempotency_key = StrictRegexField(
        NOT_BLANK, max_length=64, min_length=1,
        help_text="The caller's key for this request: a repeat records nothing twice.")


class RefundRequestSerializer(ModelSerializer):
    """A parent's refund request and its state."""

    order = serializers.CharField(source="order.number", read_only=True)

    class Meta:
        model = RefundRequest
        fields = ["id", "order", "reason", "channel", "state", "institution_note", "decision",
                  "amount", "requested_at", "closed_at"]
        read_only_fields = fields


class RefundRequestCreateSerializer(KnownFieldsSerializer):
    """A parent's refund request, recorded on the parent's behalf."""

    order_number = StrictRegexField(NOT_BLANK, max_length=20, min_length=1)
    reason = StrictRegexField(NOT_BLANK, max_length=2000, min_length=1)
    idempotency_key = StrictRegexField(
        NOT_BLANK, max_length=64, min_length=1,
        help_text="The caller's key for this request: a repeat records nothing twice.")
