"""The manual fields of the monthly report: the footer, the county total line, and each
row's columns the system cannot know (3, 10, 14, 15, 16, remarks)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

SMALL = forms.NumberInput(attrs={"min": 0})


class FooterForm(forms.Form):
    post = forms.CharField(label=_("Post"), max_length=100, required=False)
    contact = forms.CharField(label=_("Contact"), max_length=100, required=False)
    typical_batches = forms.IntegerField(label=_("Typical cases publicised: batches"),
                                         min_value=0, initial=0, widget=SMALL)
    typical_cases = forms.IntegerField(label=_("Typical cases publicised: cases"), min_value=0,
                                       initial=0, widget=SMALL)
    results_batches = forms.IntegerField(label=_("Results published: batches"), min_value=0,
                                         initial=0, widget=SMALL)
    results_projects = forms.IntegerField(label=_("Results published: projects"),
                                          min_value=0, initial=0, widget=SMALL)


class RowForm(forms.Form):
    key_problems = forms.CharField(label=_("3. Key problems addressed"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    systems = forms.IntegerField(label=_("10. Systems set up or improved"), min_value=0,
                                 initial=0, widget=SMALL)
    published_batches = forms.IntegerField(label=_("14. Results published: batches"),
                                           min_value=0, initial=0, widget=SMALL)
    published_projects = forms.IntegerField(label=_("14. Results published: projects"),
                                            min_value=0, initial=0, widget=SMALL)
    effects = forms.CharField(label=_("15. Effects of the work"), required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    shortcomings = forms.CharField(label=_("16. Problems in the work"), required=False,
                                   widget=forms.Textarea(attrs={"rows": 2}))
    remarks = forms.CharField(label=_("Remarks"), max_length=200, required=False)
