"""Forms of the analytics page and of stop orders (kept apart from inspections.forms)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.vocab import Category
from inspections.analytics import Window, kind_choices
from org.models import Region, RegionLevel
from org.scope import Action, scope_of

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
#: The longest window the page counts over (five years).
MAX_MONTHS = 60


def _month(value: str) -> dt.date:
    match = MONTH_RE.match(value or "")
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise forms.ValidationError(_("Give a month as YYYY-MM."))
    return dt.date(int(match[1]), int(match[2]), 1)


class AnalyticsForm(forms.Form):
    """The filters: a month range, a county (for those who see more than one), a kind."""

    month_from = forms.CharField(label=_("From month"), max_length=7,
                                 widget=forms.TextInput(attrs={"type": "month"}))
    month_to = forms.CharField(label=_("To month"), max_length=7,
                               widget=forms.TextInput(attrs={"type": "month"}))
    county = forms.ModelChoiceField(label=_("County"), queryset=Region.objects.none(),
                                    required=False, empty_label=_("All counties"))
    kind = forms.ChoiceField(label=_("Kind"), required=False)

    def __init__(self, data: Any, *, user: Any) -> None:
        today = timezone.localdate()
        defaults = {"month_from": f"{today.year}-01", "month_to": today.strftime("%Y-%m")}
        given = {k: v for k, v in (data or {}).items() if k in self.base_fields}
        super().__init__({**defaults, **given})
        scope = scope_of(user)
        counties = Region.objects.filter(level=RegionLevel.COUNTY)
        if not scope.unrestricted:
            # Regions are public facts: the choice is the counties of the user's subtree.
            counties = counties.filter(path__startswith=scope.region_path or "-")
        self.fields["county"].queryset = counties
        if counties.count() < 2:
            # A county's officers see their county only: no choice to offer.
            del self.fields["county"]
        self.fields["kind"].choices = [("", _("All kinds")), *kind_choices()]

    def clean_month_from(self) -> dt.date:
        return _month(self.cleaned_data["month_from"])

    def clean_month_to(self) -> dt.date:
        return _month(self.cleaned_data["month_to"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("month_from"), data.get("month_to")
        if first and last:
            if first > last:
                self.add_error("month_to", _("The last month comes before the first."))
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error("month_to", _("Choose at most five years."))
        return data

    def window(self) -> Window:
        data = self.cleaned_data
        return Window(first=data["month_from"], last=data["month_to"],
                      county=data.get("county"), kind=data.get("kind") or "")


class StopOrderForm(forms.Form):
    """001 §4(2)19: the town orders unlicensed training to stop."""

    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none())
    subject_name = forms.CharField(label=_("Operator"), max_length=100)
    site_address = forms.CharField(label=_("Site address"), max_length=200)
    category = forms.ChoiceField(label=_("Kind of training"), choices=Category.choices)
    activity = forms.CharField(label=_("Training to stop"), max_length=5000,
                               widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.restrict(user, Action.MANAGE).filter(
            level__gte=RegionLevel.TOWN)


class StopReportForm(forms.Form):
    defied = forms.TypedChoiceField(
        label=_("Finding"), coerce=lambda v: v == "1", widget=forms.RadioSelect,
        choices=[("0", _("The training has stopped")),
                 ("1", _("The order was defied: report it up"))])
    report = forms.CharField(label=_("Report"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))
