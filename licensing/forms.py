"""Forms of the licensing application and of its decision steps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.i18n import join_list
from institutions.forms import BoundedDateField
from institutions.selectors import towns_in_county
from licensing.models import APPLIES_TO, ApplicationAction
from org.models import Region
from policy.sources import cite


class ApplyForm(forms.Form):
    action = forms.ChoiceField(label=_("Application"), choices=ApplicationAction.choices)
    name = forms.CharField(label=_("New name"), max_length=200, required=False)
    address = forms.CharField(label=_("New address"), max_length=200, required=False)
    legal_representative = forms.CharField(label=_("New legal representative"), max_length=50,
                                           required=False)
    safety_person = forms.CharField(label=_("New safety responsible person"), max_length=50,
                                    required=False)
    region = forms.ModelChoiceField(label=_("New town or grid"), required=False,
                                    queryset=Region.objects.none(),
                                    help_text=_("Within the institution's county."))
    premises_area = forms.DecimalField(label=_("New premises area (m²)"), required=False,
                                       min_value=0, max_digits=9, decimal_places=2)
    fire_safety_documents = forms.CharField(label=_("New fire-safety documents"),
                                            required=False, max_length=2000,
                                            widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, institution: Any, **kwargs: Any) -> None:
        from licensing.services import required_documents

        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = towns_in_county(institution.region)
        # Only the applications the institution's status allows (000 §3).
        self.fields["action"].choices = [(a, label) for a, label in ApplicationAction.choices
                                         if institution.status in APPLIES_TO[a]]
        # The documents the profile's licensing cell asks for (issue 14 C1), one file
        # field each, with its source and the upload limits stated before the upload.
        self.documents: dict[str, tuple[Any, list[str]]] = {}
        for action, _label in self.fields["action"].choices:
            for document in required_documents(institution, action):
                self.documents.setdefault(document.code, (document, []))[1].append(action)
        limits = gettext("PDF, images, Word or Excel; at most %(mb)s MB.") % {
            "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}
        for code, (document, actions) in self.documents.items():
            # The source as users read it (the document's number and section), never the
            # profile's internal code ("000 §3(1)1" showed on the form).
            source = (gettext("Source: %(src)s") % {"src": cite(document.source)}
                      if document.from_seed else
                      gettext("A documented default, not from a policy document."))
            needed = gettext("Needed for: %(actions)s") % {"actions": join_list(
                ApplicationAction(a).label for a in actions)}
            self.fields[f"doc_{code}"] = forms.FileField(
                label=document.label, required=False,
                help_text=" · ".join(x for x in (document.help, needed, source, limits) if x))

    def document_fields(self) -> list[Any]:
        return [self[f"doc_{code}"] for code in self.documents]

    def other_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith("doc_")]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        action = data.get("action")
        missing = [code for code, (_doc, actions) in self.documents.items()
                   if action in actions and not data.get(f"doc_{code}")]
        for code in missing:
            self.add_error(f"doc_{code}", gettext("Upload this document."))
        if missing:
            self.add_error(None, ngettext(
                "%(n)s document is missing for this application.",
                "%(n)s documents are missing for this application.", len(missing))
                % {"n": len(missing)})
        return data

    def uploads(self) -> dict[str, UploadedFile]:
        """The files of the documents the chosen application needs."""
        action = self.cleaned_data.get("action")
        return {code: self.cleaned_data[f"doc_{code}"]
                for code, (_doc, actions) in self.documents.items()
                if action in actions and self.cleaned_data.get(f"doc_{code}")}

    def change_details(self) -> dict[str, Any]:
        keys = ("name", "address", "region", "legal_representative", "safety_person",
                "premises_area", "fire_safety_documents")
        out = {}
        for key in keys:
            value = self.cleaned_data.get(key)
            if value in (None, ""):
                continue
            out[key] = value.code if isinstance(value, Region) else str(value)
        return out


class AcceptForm(forms.Form):
    accept = forms.TypedChoiceField(label=_("Decision"), coerce=lambda v: v == "yes",
                                    choices=[("yes", _("Accept")), ("no", _("Do not accept"))])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000,
                             widget=forms.Textarea(attrs={"rows": 2}))


ONSITE_ITEMS = [
    ("premises", _("Premises match the application and are safe for children")),
    ("fire_safety", _("Fire-safety facilities and documents in order")),
    ("security", _("People, physical and technical security (人防物防技防)")),
    ("teachers", _("Teachers on site match the staff list")),
    ("materials", _("Training materials suit the age of the learners")),
]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class OnsiteForm(forms.Form):
    note = forms.CharField(label=_("On-site findings"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("Photos"), required=False,
                               help_text=_("JPEG or PNG; they are kept with the case."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in ONSITE_ITEMS:
            self.fields[f"item_{key}"] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(f"item_{key}")) for key, _label in ONSITE_ITEMS}


class ConcludeForm(forms.Form):
    """The conclusion starts with no decision chosen and is confirmed before it is
    recorded: it is final and changes the register (issue 14 C3)."""

    approve = forms.TypedChoiceField(label=_("Conclusion"), coerce=lambda v: v == "yes",
                                     widget=forms.RadioSelect,
                                     choices=[("yes", _("Approve")), ("no", _("Reject"))])
    reason = forms.CharField(label=_("Reasons"), max_length=5000, required=False,
                             help_text=_("Required when rejecting."),
                             widget=forms.Textarea(attrs={"rows": 3}))
    confirm = forms.BooleanField(
        label=_("I have read the evidence above. This decision is final: it cannot be undone "
                "and the register follows it."),
        error_messages={"required": _("Confirm the decision: it cannot be undone.")})


class RegistrationForm(forms.Form):
    """The registration step asks for the fact it produces (issue 14 C4; 000 §3)."""

    registration_number = forms.CharField(
        label=_("Registration number"), max_length=60,
        help_text=_("The unified social credit code or registration number on the business "
                    "licence (for-profit) or the registration certificate (non-profit)."))
    certificate = forms.FileField(label=_("Registration certificate"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certificate"].help_text = gettext(
            "PDF, images, Word or Excel; at most %(mb)s MB.") % {
            "mb": settings.ATTACHMENT_MAX_BYTES // (1024 * 1024)}


class LicenceForm(forms.Form):
    licence_number = forms.CharField(label=_("Licence number"), max_length=60)
    valid_until = BoundedDateField(label=_("Valid until"), required=False)
