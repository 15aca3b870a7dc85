from rest_framework import serializers

from core.api.schema import NOT_BLANK
from core.api.serializers import ModelSerializer
from funds.models import Entry, Order, RiskWarning


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


class PaymentSerializer(serializers.Serializer):
    """A payment into custody, as the custodian bank reports it."""

    transaction_id = serializers.RegexField(NOT_BLANK, max_length=64, min_length=1,
                                            help_text="The bank's own transaction id: a "
                                            "repeated id records nothing twice.")
    order_number = serializers.RegexField(NOT_BLANK, max_length=20, min_length=1)
    amount = serializers.RegexField(
        YUAN, max_length=13,
        help_text="Yuan with at most two decimals, as a string (never a binary float).")


class PaymentResultSerializer(serializers.Serializer):
    movement = serializers.IntegerField()
    order_number = serializers.CharField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=2)
    created = serializers.BooleanField(help_text="False when the transaction was recorded "
                                       "before.")


class BankBalanceSerializer(serializers.Serializer):
    """An account's closing balance for a day, as the custodian bank reports it."""

    uscc = serializers.RegexField(NOT_BLANK, max_length=18, min_length=1,
                                  help_text="The institution's unified social credit code.")
    day = serializers.DateField()
    balance = serializers.RegexField(
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
