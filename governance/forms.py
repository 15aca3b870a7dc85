"""The forms of the joint-meeting and campaign pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from governance.models import MeetingKind, MemberUnit, RosterEntry, RosterPosition
from org.models import Department
from org.scope import Action

DATE = forms.DateInput(attrs={"type": "date"})


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
