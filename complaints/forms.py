"""Input of the complaint pages: the public form, the officers' entry and the step forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints import outcomes
from complaints.models import (
    STAFF_CHANNELS,
    Channel,
    Finding,
    Outcome,
    Rating,
    ReplyTemplate,
    Topic,
)
from institutions import selectors as registry
from institutions.models import Institution
from org.models import Department, Region, RegionLevel
from org.scope import Action


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


def _regions() -> Any:
    return Region.objects.filter(level__in=[RegionLevel.COUNTY, RegionLevel.TOWN]
                                 ).select_related("parent").order_by("path")


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        if obj.level == RegionLevel.TOWN and obj.parent is not None:
            return f"{obj.parent.name} · {obj.name}"
        return obj.name


class StyledForm(forms.Form):
    """Bootstrap classes on the text inputs, so that the fields fill a phone's width."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.TextInput | forms.Textarea | forms.EmailInput):
                widget.attrs.setdefault("class", "form-control")


class ComplaintForm(StyledForm):
    """The public form (no login; anonymous allowed). The institution is found in the
    public register by its credit code or exact name; otherwise it is taken as described,
    with its address and region (an unlicensed one is not in the register)."""

    topic = forms.ModelChoiceField(label=_("What is the problem about?"),
                                   queryset=Topic.objects.filter(is_active=True),
                                   empty_label=None, widget=forms.RadioSelect)
    uscc = forms.CharField(widget=forms.HiddenInput, required=False, max_length=18)
    institution_name = forms.CharField(
        label=_("Institution (name or credit code)"), max_length=200, required=False,
        help_text=_("If it is not in the register, describe it: its name or sign, and "
                    "where it trains."))
    address = forms.CharField(label=_("Address of the training place"), max_length=200,
                              required=False)
    region = RegionChoiceField(label=_("District or street"), queryset=_regions(),
                               required=False)
    description = forms.CharField(label=_("What happened?"), max_length=5000, min_length=10,
                                  widget=forms.Textarea(attrs={"rows": 5}))
    anonymous = forms.BooleanField(label=_("Report anonymously"), required=False,
                                   help_text=_("We cannot call you back; keep the tracking "
                                               "code to follow the complaint."))
    complainant_name = forms.CharField(label=_("Your name (optional)"), max_length=50,
                                       required=False)
    complainant_phone = forms.RegexField(
        label=_("Your phone (optional)"), regex=r"^[0-9+\- ]{5,20}$", required=False,
        max_length=20, error_messages={"invalid": _("Enter a phone number.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}))
    files = MultipleFileField(label=_("Photos or documents (optional)"), required=False,
                              help_text=_("PDF, JPEG, PNG, DOCX or XLSX, up to 5 files."))

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.institution: Institution | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        text = (data.get("institution_name") or "").strip()
        code = (data.get("uscc") or "").strip().upper()
        public = registry.public_qs(self.user)
        found = None
        if code:
            found = public.filter(uscc=code).first()
        if found is None and text:
            matches = list(public.filter(Q(uscc=text.upper()) | Q(name=text))[:2])
            found = matches[0] if len(matches) == 1 else None
        self.institution = found
        if found is None:
            if not text:
                self.add_error("institution_name", _("Name the institution, or describe it."))
            if data.get("region") is None:
                self.add_error("region", _("Choose the district or street of the institution."))
        if data.get("anonymous"):
            data["complainant_name"] = data["complainant_phone"] = ""
        return data


class StaffComplaintForm(ComplaintForm):
    """An officer's entry of a complaint taken by phone, in person, by letter or e-mail,
    or forwarded from above, with its channel and external ticket number."""

    channel = forms.ChoiceField(label=_("Channel"),
                                choices=[(c.value, c.label) for c in STAFF_CHANNELS])
    external_ticket = forms.CharField(label=_("External ticket number"), max_length=60,
                                      required=False)
    origin = forms.CharField(label=_("Forwarded by"), max_length=100, required=False,
                             help_text=_("For a complaint forwarded from above: who sent it."))

    field_order = ["channel", "external_ticket", "origin", "topic"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("channel") == Channel.FORWARDED and not (data.get("origin") or "").strip():
            self.add_error("origin", _("Say who forwarded the complaint."))
        if data.get("channel") == Channel.HOTLINE_12345 and \
                not (data.get("external_ticket") or "").strip():
            self.add_error("external_ticket", _("Give the 12345 ticket number."))
        return data


class TrackForm(StyledForm):
    number = forms.CharField(label=_("Tracking number"), max_length=40)
    code = forms.CharField(label=_("Private code"), max_length=20)


class RateForm(TrackForm):
    rating = forms.ChoiceField(label=_("How was your complaint handled?"),
                               choices=Rating.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment (optional)"), max_length=1000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))


class VerifyForm(StyledForm):
    finding = forms.ChoiceField(label=_("Finding"), choices=Finding.choices,
                                widget=forms.RadioSelect)
    evidence = forms.CharField(label=_("Evidence"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))
    files = MultipleFileField(label=_("Evidence files (optional)"), required=False,
                              help_text=_("PDF, JPEG, PNG, DOCX or XLSX, up to 5 files."))


class HandleForm(StyledForm):
    """The outcome, and the inputs of the handlers registered for it
    (complaints.outcomes): the record they open is linked to the complaint."""

    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices,
                                widget=forms.RadioSelect)
    note = forms.CharField(label=_("Handling note"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("The findings the rectification order, enforcement "
                                       "case or refund mediation is opened with, or why "
                                       "nothing further applies."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for _entry, param in outcomes.all_params():
            if param.choices is not None:
                field: forms.Field = forms.ChoiceField(
                    label=param.label, required=False, help_text=param.help_text,
                    choices=[("", "—"), *param.choices()])
                field.widget.attrs["class"] = "form-select"
            else:
                field = forms.CharField(label=param.label, required=False, max_length=100,
                                        help_text=param.help_text)
                field.widget.attrs["class"] = "form-control"
            self.fields[param.name] = field

    def params(self) -> dict[str, str]:
        entry = outcomes.get(self.cleaned_data.get("outcome") or "")
        if entry is None:
            return {}
        return {p.name: self.cleaned_data.get(p.name) or "" for p in entry.params}


class AskForm(StyledForm):
    question = forms.CharField(label=_("What should the institution explain?"),
                               max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExplainForm(StyledForm):
    text = forms.CharField(label=_("The institution's explanation"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))


class ReportBackForm(StyledForm):
    accepted_on = forms.DateField(label=_("Accepted on"),
                                  widget=forms.DateInput(format="%Y-%m-%d",  # as type=date takes it
                                                         attrs={"type": "date",
                                                                "class": "form-control"}))
    outcome = forms.CharField(label=_("Outcome"), max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 2}))
    reply = forms.CharField(label=_("Reply text"), max_length=5000,
                            widget=forms.Textarea(attrs={"rows": 3}))


class ReplyForm(StyledForm):
    template = forms.ModelChoiceField(label=_("Start from a template"), required=False,
                                      queryset=ReplyTemplate.objects.all())
    text = forms.CharField(label=_("Reply"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 4}))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("text") or "").strip():
            template = data.get("template")
            if template is None:
                self.add_error("text", _("Write the reply."))
            else:
                data["text"] = template.body
        return data


class TransferForm(StyledForm):
    department = forms.ModelChoiceField(label=_("Lead department"),
                                        queryset=Department.objects.none())
    assists = forms.ModelMultipleChoiceField(label=_("Assisting departments"), required=False,
                                             queryset=Department.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=2000, required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Department.objects.restrict(user, Action.ASSIGN).filter(is_active=True)
        self.fields["department"].queryset = qs  # type: ignore[attr-defined]
        self.fields["assists"].queryset = qs  # type: ignore[attr-defined]


class ReturnForm(StyledForm):
    reason = forms.CharField(label=_("Reason for returning"), max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


class MergeForm(StyledForm):
    into = forms.CharField(label=_("Number of the original complaint"), max_length=40)
