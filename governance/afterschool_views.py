"""The after-school services pages (002 §2(4), §3(1)): the selections of the region, the
selection form and each selection's page with its evaluations, the evaluation of a term
and the removal. Forms are offered to the department the profile names for each step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from core.abilities import may
from core.vocab import DepartmentType, label_of
from governance import afterschool
from governance.forms import DATE
from governance.models import AfterSchoolStatus, EvaluationResult
from governance.views import PAGE_SIZE, _created, _saved, _status, _viewer
from institutions.models import Institution
from policy.profile import active_profile


class SelectForm(forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution (white list)"),
                                         queryset=Institution.objects.none())
    school = forms.CharField(label=_("School"), max_length=200)
    service = forms.CharField(label=_("Service"), max_length=200,
                              help_text=_("For example: after-school football, art club."))
    selected_on = forms.DateField(label=_("Selected on"), widget=DATE)

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["institution"]
        field.queryset = institutions


class EvaluateForm(forms.Form):
    term = forms.CharField(label=_("Term"), max_length=20,
                           help_text=_("School year and term, for example 2026-2027-1."))
    result = forms.ChoiceField(label=_("Result"), choices=EvaluationResult.choices)
    note = forms.CharField(label=_("Evaluation note"), required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))


class RemoveForm(forms.Form):
    reason = forms.CharField(label=_("Reason for removal"),
                             widget=forms.Textarea(attrs={"rows": 2}))


def _may(user: Any, region: Any, action: str) -> bool:
    department = afterschool.deciding_department(region, action)
    return department is not None and may(user, "governance.decide_after_school", department)


def _select_region(user: Any) -> Any:
    """The region an officer selects for: that of the officer's department."""
    department = getattr(user, "department", None)
    if department is None or not _may(user, department.region, afterschool.SELECT):
        return None
    return department.region


@login_required
def selection_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    status = request.GET.get("status", "")
    status = status if status in AfterSchoolStatus.values else ""
    page = Paginator(afterschool.selections(user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page"))
    profile = active_profile()
    return render(request, "governance/afterschool.html", {
        "page_obj": page, "statuses": AfterSchoolStatus.choices, "status": status,
        "rules": [(label, label_of(DepartmentType,
                                   profile.after_school_decider(action)["department"]),
                   profile.after_school_decider(action)["source"]) for action, label in (
            (afterschool.SELECT, _("Selection")), (afterschool.EVALUATE, _("Evaluation")),
            (afterschool.REMOVE, _("Removal")))],
        "may_select": _select_region(user) is not None})


@login_required
def selection_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _select_region(user)
    if region is None:
        raise Forbidden
    form = SelectForm(request.POST or None, institutions=afterschool.selectable(user, region))
    selection = _created(request, form, lambda data: afterschool.afterschool_select(
        actor=user, region=region, institution=data["institution"], school=data["school"],
        service=data["service"], selected_on=data["selected_on"]),
        _("Institution selected into after-school services."))
    if selection is not None:
        return redirect("governance:afterschool_detail", pk=selection.pk)
    return render(request, "governance/afterschool_new.html", {"form": form, "region": region},
                  status=_status(form))


def _page(request: HttpRequest, pk: int, bound: tuple[str, Any] | None = None) -> HttpResponse:
    try:
        selection = afterschool.selection_detail(_viewer(request, page=False), pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    user: Any = request.user
    forms_: dict[str, Any] = {}
    if selection.status == AfterSchoolStatus.SELECTED:
        if _may(user, selection.region, afterschool.EVALUATE):
            forms_["evaluate"] = EvaluateForm()
        if _may(user, selection.region, afterschool.REMOVE):
            forms_["remove"] = RemoveForm()
    if bound is not None:
        forms_[bound[0]] = bound[1]
    return render(request, "governance/afterschool_detail.html", {
        "selection": selection, "forms": forms_}, status=400 if bound else 200)


@login_required
def selection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@login_required
@require_POST
def selection_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    user = _viewer(request, page=False)
    try:
        selection = afterschool.selection_detail(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if verb not in (afterschool.EVALUATE, afterschool.REMOVE):
        raise Http404
    if not _may(user, selection.region, verb):
        raise Forbidden
    form: Any = EvaluateForm(request.POST) if verb == afterschool.EVALUATE else \
        RemoveForm(request.POST)

    def save(data: dict[str, Any]) -> object:
        if verb == afterschool.EVALUATE:
            return afterschool.afterschool_evaluate(
                actor=user, selection=selection, term=data["term"], result=data["result"],
                note=data["note"])
        return afterschool.afterschool_remove(actor=user, selection=selection,
                                              reason=data["reason"])

    if _saved(request, form, save, _("Saved.")):
        return redirect("governance:afterschool_detail", pk=pk)
    return _page(request, pk, (verb, form))
