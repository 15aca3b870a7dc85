"""The funds forms: they validate input and nothing else; the services decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from funds.models import InvoiceKind, Mode, PlanState, RiskType, SpotResult
from institutions.forms import BoundedDateField
from institutions.rules import model_contract_version


class ArrangementForm(forms.Form):
    mode = forms.ChoiceField(label=_("Supervision mode"), choices=Mode.choices)
    custodian_bank = forms.CharField(label=_("Custodian bank"), max_length=100, required=False)
    account_number = forms.CharField(label=_("Dedicated training-fee account"), max_length=100,
                                     required=False)
    payment_channel = forms.CharField(label=_("Payment channel"), max_length=100,
                                      required=False)
    deposit_amount = forms.DecimalField(label=_("Risk deposit (yuan)"), max_digits=12,
                                        decimal_places=2, min_value=Decimal("0.01"),
                                        required=False)
    deposit_bank = forms.CharField(label=_("Deposit bank"), max_length=100, required=False)
    guarantee_document = forms.CharField(label=_("Guarantee document number"), max_length=100,
                                         required=False)
    guarantee_upload = forms.FileField(
        label=_("Guarantee document (PDF or image)"), required=False,
        help_text=_("Needed for a new risk deposit; a recorded one keeps its file unless "
                    "you upload another."))


class OrderForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=None)
    learner_name = forms.CharField(label=_("Learner"), max_length=50)
    guardian_name = forms.CharField(label=_("Guardian"), max_length=50)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20)
    class_hours = forms.IntegerField(label=_("Class hours"), min_value=1, max_value=1000)
    months = forms.IntegerField(label=_("Months covered"), min_value=1, max_value=1000)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2,
                                min_value=Decimal("0.01"))
    contract_version = forms.CharField(label=_("Model contract edition"), max_length=10,
                                       initial=model_contract_version)

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = institution.courses.filter(is_listed=True)  # type: ignore[attr-defined]


class ConsumptionForm(forms.Form):
    hours = forms.IntegerField(label=_("Class hours"), min_value=1, max_value=1000)
    lesson_on = BoundedDateField(label=_("Lesson date"))


class DisputeForm(forms.Form):
    consumption = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("The parent's reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    consumption = forms.IntegerField(widget=forms.HiddenInput)
    uphold = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Uphold: reverse the record")),
                                             ("no", _("Reject: the record stands"))])
    resolution = forms.CharField(label=_("Reason"), max_length=2000,
                                 widget=forms.Textarea(attrs={"rows": 2}))


class RefundForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class StatementForm(forms.Form):
    file = forms.FileField(label=_("Bank statement (.csv or .xlsx)"))


class WarningForm(forms.Form):
    state = forms.ChoiceField(label=_("Step"), choices=[])
    note = forms.CharField(label=_("What was done"), max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, states: list[tuple[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = states  # type: ignore[attr-defined]


class RiskPlanForm(forms.Form):
    risk_type = forms.ChoiceField(label=_("Risk type"), choices=RiskType.choices)
    department = forms.ModelChoiceField(label=_("Responsible department"), queryset=None)
    measures = forms.CharField(label=_("Measures"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    parent_help = forms.CharField(label=_("Help for parents negotiating refunds"),
                                  max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        from org.models import Department
        from org.scope import Action

        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.restrict(  # type: ignore[attr-defined]
            user, Action.ASSIGN).order_by("name")


class RiskProgressForm(forms.Form):
    state = forms.ChoiceField(label=_("State"), choices=[
        (PlanState.IN_PROGRESS, PlanState.IN_PROGRESS.label),
        (PlanState.RESOLVED, PlanState.RESOLVED.label)])
    on = BoundedDateField(label=_("Date"))
    note = forms.CharField(label=_("Progress"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RefundAnswerForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.TypedChoiceField(label=_("Answer"), coerce=lambda v: v == "yes",
                                   choices=[("yes", _("Agree: refund the unconsumed hours")),
                                            ("no", _("Refuse: the department decides"))])
    note = forms.CharField(label=_("The institution's answer"), max_length=2000,
                           required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RefundDecideForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    uphold = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Uphold: refund the unconsumed hours")),
                                             ("no", _("Reject the request"))])
    decision = forms.CharField(label=_("Reason"), max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))


class InvoiceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=InvoiceKind.choices)
    number = forms.CharField(label=_("Invoice number"), max_length=40)
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=12, decimal_places=2,
                                min_value=Decimal("0.01"))
    issued_on = BoundedDateField(label=_("Issued on"))


class SelfInspectionForm(forms.Form):
    period_start = BoundedDateField(label=_("Period from"))
    period_end = BoundedDateField(label=_("Period to"))
    prepaid_collected = forms.DecimalField(label=_("Prepaid fees collected (yuan)"),
                                           max_digits=14, decimal_places=2,
                                           min_value=Decimal("0"))
    collected_outside = forms.DecimalField(
        label=_("Of which collected outside the supervised account (yuan)"), max_digits=14,
        decimal_places=2, min_value=Decimal("0"), required=False)
    fee_loans = forms.IntegerField(label=_("Training-fee loans taken by parents"),
                                   min_value=0, max_value=100000, initial=0)
    findings = forms.CharField(label=_("Problems found"), max_length=5000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}))
    corrections = forms.CharField(label=_("Corrections made"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    upload = forms.FileField(label=_("Report file (PDF, image, DOCX or XLSX)"), required=False)


class SpotCheckForm(forms.Form):
    checked_on = BoundedDateField(label=_("Checked on"))
    result = forms.ChoiceField(label=_("Result"), choices=SpotResult.choices)
    collected_outside = forms.DecimalField(
        label=_("Fees found collected outside the supervised account (yuan)"), max_digits=14,
        decimal_places=2, min_value=Decimal("0"), required=False)
    fee_loans = forms.IntegerField(label=_("Training-fee loans found"), min_value=0,
                                   max_value=100000, initial=0)
    findings = forms.CharField(label=_("Findings"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))
