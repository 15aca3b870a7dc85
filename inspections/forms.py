"""Forms of the inspection pages; they validate input, the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.vocab import Category
from inspections.models import (
    DailyMode,
    EnforcementMode,
    Penalty,
    SiteType,
    ViolationType,
    ZombieOutcome,
)
from institutions.forms import BoundedDateField
from licensing.forms import MultipleFileField, MultipleFileInput
from org.models import Department, Region, RegionLevel, User
from org.scope import Action

ITEM_ANSWERS = [("ok", _("No problem")), ("problem", _("Problem")), ("na", _("Not applicable"))]
MET_ANSWERS = [("yes", _("Met")), ("no", _("Not met"))]


class RoundForm(forms.Form):
    county = forms.ModelChoiceField(label=_("County"), queryset=Region.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    plan = forms.CharField(label=_("Plan"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    starts_on = BoundedDateField(label=_("Starts on"))
    ends_on = BoundedDateField(label=_("Ends on"))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["county"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level=RegionLevel.COUNTY)
        self.fields["year"].initial = timezone.localdate().year


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=50)
    members = forms.ModelMultipleChoiceField(label=_("Inspectors"), queryset=User.objects.none(),
                                             widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, round: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        depts = [round.lead_department_id, *[d.pk for d in round.assisting_departments.all()]]
        self.fields["members"].queryset = User.objects.filter(
            department_id__in=depts, is_active=True).order_by("department_id", "full_name")


class MoveForm(forms.Form):
    group = forms.ModelChoiceField(label=_("Group"), queryset=None, required=False)

    def __init__(self, *args: Any, round: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = round.groups.all()


class ResultForm(forms.Form):
    """The annual checklist: one box per item, ticked when it is met."""

    inspected_on = BoundedDateField(label=_("Inspected on"))
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        self.fields["inspected_on"].initial = timezone.localdate()
        for item in items:
            label = f"{item.text}（{item.weight}）"
            # Each item is answered, met or not: an untouched form is not a fail with score
            # 0 but a form with its errors (a walk found empty forms recorded as fails).
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=label, choices=MET_ANSWERS, widget=forms.RadioSelect,
                help_text=_("Key indicator: failing it fails the inspection.")
                if item.key_indicator else "")
        self.order_fields([f"item_{i.code}" for i in items])

    def answers(self) -> dict[str, bool]:
        return {i.code: self.cleaned_data[f"item_{i.code}"] == "yes" for i in self.items}


class DailyForm(forms.Form):
    mode = forms.ChoiceField(label=_("Kind"), choices=DailyMode.choices)
    institution = forms.CharField(label=_("Institution (unified social credit code)"),
                                  max_length=18, required=False,
                                  help_text=_("Leave empty for a site without an institution."))
    region = forms.ModelChoiceField(label=_("Region of the site"), queryset=Region.objects.none(),
                                    required=False)
    site_type = forms.ChoiceField(label=_("Site"), choices=[("", "—"), *SiteType.choices],
                                  required=False)
    site_address = forms.CharField(label=_("Site address"), max_length=200, required=False)
    planned_on = BoundedDateField(label=_("Planned on"))
    departments = forms.ModelMultipleChoiceField(
        label=_("Departments"), queryset=Department.objects.none(),
        help_text=_("A joint check needs two or more."))
    #: Chosen, not taken from the list order (a walk found "the first one leads" followed
    #: the list's order, not the user's).
    lead = forms.ModelChoiceField(label=_("Lead department"), queryset=Department.objects.none(),
                                  help_text=_("One of the departments above; it leads the "
                                              "inspection."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level__gte=RegionLevel.COUNTY)
        self.fields["departments"].queryset = Department.objects.restrict(
            user, Action.ASSIGN).filter(is_active=True)
        self.fields["lead"].queryset = self.fields["departments"].queryset
        self.fields["planned_on"].initial = timezone.localdate()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        lead, departments = data.get("lead"), data.get("departments")
        if lead is not None and departments is not None and lead not in departments:
            self.add_error("lead", _("The lead department must be one of the departments."))
        return data


class InspectForm(forms.Form):
    """The inspection form used on site, on a phone."""

    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(label=_("Findings"), max_length=5000, required=False,
                               widget=forms.Textarea(attrs={"rows": 2}),
                               help_text=_("Empty: the problems ticked above."))
    rectify = forms.BooleanField(label=_("Order a rectification"), required=False)
    unreachable = forms.BooleanField(
        label=_("Closed and unreachable"), required=False,
        help_text=_("Nobody at the address, and the legal representative does not answer."))
    photos = MultipleFileField(label=_("Photos"), required=False,
                               help_text=_("JPEG or PNG; they are kept with the case."))
    latitude = forms.DecimalField(label=_("Latitude"), required=False, min_value=-90,
                                  max_value=90, max_digits=9, decimal_places=6)
    longitude = forms.DecimalField(label=_("Longitude"), required=False, min_value=-180,
                                   max_value=180, max_digits=9, decimal_places=6)
    #: Made on the phone (inspections/static/inspections/offline.js): a resend of the
    #: same submission creates nothing twice.
    client_id = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, items: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"item_{item.code}"] = forms.ChoiceField(
                label=item.text, choices=ITEM_ANSWERS, initial="ok",
                widget=forms.RadioSelect)
        self.order_fields([f"item_{i.code}" for i in items])

    def answers(self) -> dict[str, str]:
        return {i.code: self.cleaned_data.get(f"item_{i.code}", "") for i in self.items}


class DrawForm(forms.Form):
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    category = forms.ChoiceField(label=_("Category"), choices=[("", _("All categories")),
                                                               *Category.choices],
                                 required=False)
    institution_count = forms.IntegerField(label=_("Institutions to draw"), min_value=1,
                                           max_value=200)
    inspector_count = forms.IntegerField(label=_("Inspectors to draw"), min_value=1,
                                         max_value=50)
    planned_on = BoundedDateField(label=_("Planned on"))
    seed = forms.IntegerField(label=_("Seed"), required=False, min_value=0,
                              max_value=2**62, help_text=_("Empty: a new random seed."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level=RegionLevel.COUNTY)
        self.fields["planned_on"].initial = timezone.localdate()


class EvidenceForm(forms.Form):
    evidence = forms.CharField(label=_("What was rectified"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(
        label=_("Evidence files"), required=False,
        widget=MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
        help_text=_("PDF, JPEG or PNG, up to %(mb)s MB each; they are kept with the case."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = self.fields["files"].help_text % {
            "mb": f"{settings.ATTACHMENT_MAX_BYTES / 1048576:.3g}"}


class RecheckForm(forms.Form):
    passed = forms.TypedChoiceField(label=_("Re-check"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Rectified: close the order")),
                                             ("no", _("Not rectified"))])
    note = forms.CharField(label=_("Re-check note"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))
    extend_workdays = forms.IntegerField(label=_("Extend by working days"), required=False,
                                         min_value=1, max_value=60,
                                         help_text=_("Once only, with the note as reason."))


class ZombieCloseForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=[
        c for c in ZombieOutcome.choices if c[0]])
    note = forms.CharField(label=_("Note"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class EnforcementForm(forms.Form):
    violation = forms.ModelChoiceField(label=_("Violation"), queryset=ViolationType.objects.all())
    mode = forms.ChoiceField(label=_("Enforcement mode"), choices=EnforcementMode.choices)
    institution = forms.CharField(label=_("Institution (unified social credit code)"),
                                  max_length=18, required=False)
    subject_name = forms.CharField(label=_("Individual"), max_length=100, required=False,
                                   help_text=_("When the subject is a person, not an "
                                               "institution."))
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(),
                                    required=False)
    findings = forms.CharField(label=_("Findings"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level__gte=RegionLevel.COUNTY)


class PenaltyForm(forms.Form):
    penalty = forms.ChoiceField(label=_("Penalty"), choices=[c for c in Penalty.choices if c[0]])
    fine_amount = forms.DecimalField(label=_("Fine (yuan)"), required=False, min_value=0,
                                     max_digits=12, decimal_places=2)
    legal_basis = forms.CharField(label=_("Legal basis"), max_length=5000,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    document = forms.FileField(label=_("Decision document"),
                               help_text=_("PDF, JPEG, PNG or DOCX; kept with the case."))


class BlacklistForm(forms.Form):
    institution = forms.CharField(label=_("Institution (unified social credit code)"),
                                  max_length=18)
    reason = forms.CharField(label=_("Reason"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class AppealForm(forms.Form):
    text = forms.CharField(label=_("Grounds of the appeal"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))


class AppealDecisionForm(forms.Form):
    grant = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                   choices=[("no", _("Reject the appeal")),
                                            ("yes", _("Grant the appeal: lift the listing"))])
    reason = forms.CharField(label=_("Reason"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class RemovalForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 2}))
