"""The forms of the joint-meeting and campaign pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.vocab import Category
from governance.models import (
    FilingKind,
    MeetingKind,
    MemberUnit,
    Phase,
    Problem,
    RosterEntry,
    RosterPosition,
    ScreeningOutcomeKind,
    SpotCheckResult,
)
from org.models import Department
from org.scope import Action

DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def _departments(user: Any) -> Any:
    return Department.objects.restrict(user, Action.ASSIGN).filter(is_active=True).order_by(
        "region__path", "name")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    held_on = forms.DateField(label=_("Date"), widget=DATE)
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 4}))
    units = forms.ModelMultipleChoiceField(label=_("Member units invited"),
                                           queryset=MemberUnit.objects.none(),
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        from governance.consultation import holds_consultation

        super().__init__(*args, **kwargs)
        self.fields["units"].queryset = units
        self.fields["units"].initial = [u.pk for u in units]
        if not holds_consultation():  # 004 §6(3): only where the profile sets it up
            self.fields["kind"].choices = [c for c in MeetingKind.choices
                                           if c[0] != MeetingKind.CONSULTATION]


class MinutesForm(forms.Form):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 6}))
    absent = forms.ModelMultipleChoiceField(label=_("Absent units"), required=False,
                                            queryset=MemberUnit.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["absent"].queryset = units


class DecisionForm(forms.Form):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))
    lead = forms.ModelChoiceField(label=_("Implementing department"),
                                  queryset=Department.objects.none())
    assisting = forms.ModelMultipleChoiceField(label=_("Assisting units"), required=False,
                                               queryset=Department.objects.none(),
                                               widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lead"].queryset = _departments(user)
        self.fields["assisting"].queryset = _departments(user)


class RosterForm(forms.Form):
    position = forms.ChoiceField(label=_("Position"), choices=RosterPosition.choices)
    name = forms.CharField(label=_("Name"), max_length=50)
    title = forms.CharField(label=_("Post"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    start = forms.DateField(label=_("From"), widget=DATE)
    replaces = forms.ModelChoiceField(label=_("Replaces"), required=False,
                                      queryset=RosterEntry.objects.none())

    def __init__(self, *args: Any, unit: MemberUnit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["replaces"].queryset = RosterEntry.objects.filter(unit=unit,
                                                                      end__isnull=True)


class ProblemForm(forms.Form):
    description = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 2}))
    subject = forms.CharField(label=_("Institution or unit concerned"), max_length=200)
    department = forms.ModelChoiceField(label=_("Responsible department"),
                                        queryset=Department.objects.none())
    rectify_by = forms.DateField(label=_("Rectify by"), widget=DATE)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _departments(user)


class CloseoutForm(forms.Form):
    evidence_note = forms.CharField(label=_("Rectification evidence"),
                                    widget=forms.Textarea(attrs={"rows": 2}))
    evidence_file = forms.FileField(label=_("Evidence file"), required=False)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Reason for sending it back"), max_length=500)


class ScreeningForm(forms.Form):
    file = forms.FileField(label=_("Market regulation's list (.xlsx)"),
                           help_text=_("Columns: unified social credit code, name, county "
                                       "code, address; the first row is the header."))


# -- issue 12, governance part A --------------------------------------------------------------

class UnitForm(forms.Form):
    """A member unit of the joint meeting (001 §6(1)); the department only when adding."""

    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    is_convenor = forms.BooleanField(label=_("Convenor"), required=False)
    hosts_office = forms.BooleanField(label=_("Hosts the office"), required=False)
    order = forms.IntegerField(label=_("Order"), min_value=0, max_value=32767, initial=100)

    def __init__(self, *args: Any, user: Any, new: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if new:
            self.fields["department"].queryset = _departments(user)
        else:
            del self.fields["department"]


class CampaignForm(forms.Form):
    """A campaign with the dates of its phases (003 §3; 004 §5): every phase is optional,
    a phase given needs both dates."""

    title = forms.CharField(label=_("Title"), max_length=200)
    summary_due = forms.DateField(label=_("Summary report due"), widget=DATE)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in Phase.choices:
            self.fields[f"{code}_start"] = forms.DateField(
                label=_("%(phase)s from") % {"phase": label}, required=False, widget=DATE)
            self.fields[f"{code}_end"] = forms.DateField(
                label=_("%(phase)s until") % {"phase": label}, required=False, widget=DATE)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        phases = {}
        for code in Phase.values:
            start, end = data.get(f"{code}_start"), data.get(f"{code}_end")
            if (start is None) != (end is None):
                self.add_error(f"{code}_end" if end is None else f"{code}_start",
                               _("Give both dates of the phase, or neither."))
            elif start is not None and end is not None:
                phases[code] = (start, end)
        if not phases and not self.errors:
            self.add_error(f"{Phase.MOBILISE}_start", _("Give at least one phase with its dates."))
        data["phases"] = phases
        return data

    def add_domain_error(self, field: str | None, message: str) -> None:
        """A service's refusal of a phase lands on that phase's start date."""
        if field in Phase.values:
            field = f"{field}_start"
        self.add_error(field if field in self.fields else None, message)

    @staticmethod
    def phase_choices() -> list[tuple[str, Any]]:
        return list(Phase.choices)

    @staticmethod
    def initial_for(campaign: Any) -> dict[str, Any]:
        initial = {"title": campaign.title, "summary_due": campaign.summary_due}
        for p in campaign.phases.all():
            initial[f"{p.phase}_start"], initial[f"{p.phase}_end"] = p.start, p.end
        return initial


class OutcomeForm(forms.Form):
    kind = forms.ChoiceField(label=_("Outcome"), choices=ScreeningOutcomeKind.choices,
                             widget=forms.RadioSelect)
    other_reference = forms.CharField(
        label=_("Other registry's reference"), max_length=100, required=False,
        help_text=_("For an entity licensed elsewhere: the licence or record number."))
    note = forms.CharField(label=_("Note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}),
                           help_text=_("For unlicensed training: what was found."))
    category = forms.ChoiceField(label=_("Category of the training"), required=False,
                                 choices=[("", "—"), *Category.choices])
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=50,
                                           required=False)


class PlanCallForm(forms.Form):
    due = forms.DateField(label=_("County plans due"), widget=DATE)


class PlanFileForm(forms.Form):
    text = forms.CharField(label=_("Plan"), widget=forms.Textarea(attrs={"rows": 5}))
    file = forms.FileField(label=_("Plan document"), required=False)


class MeasureForm(forms.Form):
    measure = forms.CharField(label=_("Rectification measure"), max_length=1000)
    node = forms.DateField(label=_("Time node"), widget=DATE)


class SpotCheckForm(forms.Form):
    checked_on = forms.DateField(label=_("Date"), widget=DATE)
    sample = forms.ModelMultipleChoiceField(label=_("Sampled problems"),
                                            queryset=Problem.objects.none(),
                                            widget=forms.CheckboxSelectMultiple)
    result = forms.ChoiceField(label=_("Result"), choices=SpotCheckResult.choices)
    remarks = forms.CharField(label=_("Remarks"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, problems: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sample"].queryset = problems


class FilingForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Member unit"), queryset=MemberUnit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=FilingKind.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    text = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 4}))
    file = forms.FileField(label=_("Document"), required=False)

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = units
