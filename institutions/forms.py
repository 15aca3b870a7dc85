import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.abilities import may
from core.vocab import Category, Nature
from institutions.models import (
    Course,
    CourseMode,
    SafetyRole,
    Staff,
)
from institutions.rules import Slot, clause_labels, model_contract_version
from institutions.uscc import normalise, validate_uscc
from org.models import Region, User
from org.scope import Action
from policy.profile import active_profile


class BoundedDateField(forms.DateField):
    """Dates a register can hold: 2000 to 2100 (no year-1 arithmetic surprises)."""

    widget = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value and not (dt.date(2000, 1, 1) <= value <= dt.date(2100, 12, 31)):
            raise forms.ValidationError(_("Enter a date between 2000 and 2100."))


class InstitutionRegisterForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    uscc = forms.CharField(label=_("Unified social credit code"), max_length=18, min_length=18)
    nature = forms.ChoiceField(label=_("Nature"), choices=Nature.choices)
    category = forms.ChoiceField(label=_("Category"), choices=())
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50)
    safety_person = forms.CharField(label=_("Safety responsible person"), max_length=50)
    safety_person_role = forms.ChoiceField(label=_("Safety responsible person is"),
                                           choices=SafetyRole.choices)
    address = forms.CharField(label=_("Address"), max_length=200)
    region = forms.ModelChoiceField(label=_("Town or grid"), queryset=Region.objects.none())
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    serves_preschool = forms.BooleanField(
        label=_("Serves pre-school children (3–6)"), required=False,
        help_text=_("Some cities approve no new institution for pre-school children."))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level__gte=3)
        supervised = active_profile().supervised_categories
        # Only the categories the user's department accepts or supervises (000 §3).
        self.fields["category"].choices = [
            c for c in Category.choices
            if c[0] in supervised and may(user, "institutions.register", c[0])]

    def clean_uscc(self) -> str:
        code = normalise(self.cleaned_data["uscc"])
        validate_uscc(code)
        return code


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel file (.xlsx)"), help_text=_(
        "At most 5 MB and 5,000 rows, in the template's columns; at most 10 imports an "
        "hour."))
    mode = forms.ChoiceField(label=_("If some rows have errors"), choices=[
        ("all", _("Import nothing (all or nothing)")),
        ("valid", _("Import the valid rows and report the others"))])


class StaffEditForm(forms.Form):
    """Correct a staff record; the ID number is the person and is not edited."""

    name = forms.CharField(label=_("Full name"), max_length=50)
    is_teacher = forms.BooleanField(label=_("Teacher"), required=False)
    credential_kind = forms.ChoiceField(label=_("Credential"), required=False,
                                        choices=[("", "—"), *Staff.Credential.choices])
    credential_number = forms.CharField(label=_("Credential number"), max_length=60,
                                        required=False)
    hired_on = BoundedDateField(label=_("Hired on"), required=False)


class StaffForm(StaffEditForm):
    """Hire: the ID number is checked against the employment bans (002 §2(4))."""

    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18)
    field_order = ["name", "id_number", "is_teacher", "credential_kind", "credential_number",
                   "hired_on"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["is_teacher"].initial = True


SLOT_RE = re.compile(r"^\s*([1-7])\s+(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


class CourseForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    mode = forms.ChoiceField(label=_("Mode"), choices=CourseMode.choices)
    is_academic = forms.BooleanField(label=_("Academic content"), required=False)
    lesson_minutes = forms.IntegerField(label=_("Lesson length (minutes)"), min_value=1,
                                        max_value=600)
    break_minutes = forms.IntegerField(label=_("Break (minutes)"), min_value=0, max_value=600,
                                       required=False)
    class_hours = forms.IntegerField(label=_("Class hours"), min_value=1, max_value=10000)
    price = forms.DecimalField(label=_("Price (yuan)"), min_value=0, max_digits=10,
                               decimal_places=2)
    starts_on = BoundedDateField(label=_("Starts on"), required=False)
    ends_on = BoundedDateField(label=_("Ends on"), required=False)
    slots = forms.CharField(
        label=_("Weekly lesson times"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line: weekday (1 = Monday … 7 = Sunday) and time, e.g. "
                    "3 18:30-20:00"))

    def clean_slots(self) -> list[Slot]:
        out = []
        for line in self.cleaned_data["slots"].splitlines():
            if not line.strip():
                continue
            match = SLOT_RE.match(line)
            if not match:
                raise forms.ValidationError(_("Cannot read “%(line)s”: write e.g. 3 18:30-20:00")
                                            % {"line": line.strip()})
            day, h1, m1, h2, m2 = (int(g) for g in match.groups())
            try:
                out.append(Slot(day - 1, dt.time(h1, m1), dt.time(h2, m2)))
            except ValueError:
                raise forms.ValidationError(_("“%(line)s” is not a valid time.")
                                            % {"line": line.strip()})
        if not out:
            raise forms.ValidationError(_("Give at least one weekly lesson time."))
        return out


class FeePlanForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    name = forms.CharField(label=_("Name"), max_length=100)
    amount = forms.DecimalField(label=_("Amount (yuan)"), min_value=Decimal("0.01"),
                                max_digits=10, decimal_places=2)
    months = forms.IntegerField(label=_("Months covered"), min_value=1, max_value=120)
    class_hours = forms.IntegerField(label=_("Class hours covered"), min_value=1,
                                     max_value=10000)
    refund_terms = forms.CharField(label=_("Refund terms"), widget=forms.Textarea(
        attrs={"rows": 2}), max_length=2000)
    contract_version = forms.CharField(label=_("Model contract edition"), max_length=10)
    charge_on = BoundedDateField(label=_("Charged on (advance charge)"), required=False)
    remaining_hours = forms.IntegerField(
        label=_("Class hours remaining when charged"), required=False, min_value=0,
        max_value=10000, help_text=_("For a charge on a running course (a top-up)."))
    contract_clauses = forms.MultipleChoiceField(
        label=_("Clauses in the contract"), required=False,
        widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = institution.courses.all()
        # The edition and clauses are the profile's (002 §2(4); 004 §4(5)).
        self.fields["contract_version"].initial = model_contract_version()
        self.fields["contract_clauses"].choices = list(clause_labels().items())


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    age_range = forms.CharField(label=_("Age range"), max_length=50, required=False)


class GateForm(forms.Form):
    """The registry's part of the gate; the fund-supervision account and payment channel
    are the supervision arrangement, recorded on the funds page (issue 11)."""

    national_platform_account = forms.CharField(label=_("National platform account"),
                                                max_length=100, required=False)


class ReviewForm(forms.Form):
    approved = forms.TypedChoiceField(label=_("Result"), coerce=lambda v: v == "yes",
                                      choices=[("yes", _("Passed")), ("no", _("Failed"))])
    note = forms.CharField(label=_("Note"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class BlacklistForm(forms.Form):
    reason = forms.CharField(label=_("Reason (negative-list conduct)"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"), choices=[
        ("suspended", _("Suspend")), ("licensed", _("Reinstate")), ("revoked", _("Revoke")),
        ("terminated", _("Terminate"))])
    reason = forms.CharField(label=_("Reason"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class LeaveForm(forms.Form):
    left_on = BoundedDateField(label=_("Left on"))
