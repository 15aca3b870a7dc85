"""The forms of discipline inspection's records and the evaluation records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Task, TaskStatus
from governance.models import AccountabilityMeasure, Campaign, EvaluationKind
from org.models import Department, Region, RegionLevel

#: A date field's value in the ISO form `<input type="date">` takes: in the locale's form
#: (2026/12/02 in Chinese) the browser drops it and the field shows empty.
DATE = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class _TaskChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.case.number} · {obj.department.name} · {obj.duty[:40]}"


def _campaigns(user: Any, region: Region) -> Any:
    return Campaign.objects.restrict(user).filter(
        region__path__in=[region.path[:i + 1] for i, c in enumerate(region.path) if c == "/"]
        + [region.path]).order_by("-created_at")


class ProposalForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Addressed department"),
                                        queryset=Department.objects.none())
    campaign = forms.ModelChoiceField(label=_("Campaign"), required=False,
                                      queryset=Campaign.objects.none())
    number = forms.CharField(label=_("Document number"), max_length=60, required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Proposal"), widget=forms.Textarea(attrs={"rows": 4}))
    issued_on = forms.DateField(label=_("Issued on"), widget=DATE)

    def __init__(self, *args: Any, user: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(
            is_active=True, region__path__startswith=region.path).order_by(
            "region__path", "name")
        self.fields["campaign"].queryset = _campaigns(user, region)
        self.fields["issued_on"].initial = timezone.localdate()


class FollowUpForm(forms.Form):
    checked_on = forms.DateField(label=_("Checked on"), widget=DATE)
    note = forms.CharField(label=_("Follow-up"), widget=forms.Textarea(attrs={"rows": 2}))
    rectified = forms.BooleanField(label=_("Rectification completed"), required=False)


class EvaluationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EvaluationKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}))
    issued_on = forms.DateField(label=_("Date"), widget=DATE)
    campaign = forms.ModelChoiceField(label=_("Campaign"), required=False,
                                      queryset=Campaign.objects.none())
    departments = forms.ModelMultipleChoiceField(
        label=_("Units concerned"), required=False, queryset=Department.objects.none(),
        widget=forms.CheckboxSelectMultiple)
    tasks = _TaskChoice(label=_("Lagging tasks"), required=False, queryset=Task.objects.none(),
                        widget=forms.CheckboxSelectMultiple)
    evaluated_region = forms.ModelChoiceField(label=_("County evaluated"), required=False,
                                              queryset=Region.objects.none())
    cases_count = forms.IntegerField(label=_("Cases made public"), min_value=0, initial=0,
                                     required=False,
                                     help_text=_("For a notice: the cases it makes public."))
    measure = forms.ChoiceField(label=_("Measure"), required=False,
                                choices=[("", "—"), *AccountabilityMeasure.choices])
    persons = forms.IntegerField(label=_("Persons"), min_value=0, initial=0, required=False,
                                 help_text=_("For accountability: the persons held "
                                             "accountable."))

    def __init__(self, *args: Any, user: Any, region: Region, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["departments"].queryset = Department.objects.filter(
            is_active=True, region__path__startswith=region.path).order_by(
            "region__path", "name")
        self.fields["campaign"].queryset = _campaigns(user, region)
        # 002 §3(2): the lagging ones (责任不落实、措施不到位): overdue open tasks.
        self.fields["tasks"].queryset = Task.objects.restrict(user).filter(
            status=TaskStatus.OPEN, due_date__lt=timezone.localdate(),
            case__region__path__startswith=region.path).select_related(
            "case", "department").order_by("due_date")
        self.fields["evaluated_region"].queryset = Region.objects.filter(
            level=RegionLevel.COUNTY, path__startswith=region.path)
        self.fields["issued_on"].initial = timezone.localdate()
