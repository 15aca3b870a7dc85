"""The incident pages (001 §4(2)13, 15, 16): the list, registering one, its page with the
lead and assisting departments' tasks, and closing it with its outcome. Reads go through
the scope gateway, so another county's incident answers 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from cases.selectors import viewable_case_ids
from core.abilities import may
from core.paging import keyset_page
from governance import incidents
from governance.forms import DATE
from governance.models import IncidentKind, IncidentStatus
from governance.views import (
    PAGE_SIZE,
    _created,
    _home_region,
    _saved,
    _status,
    _viewer,
)
from institutions.models import Institution
from policy.profile import active_profile


class IncidentForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=IncidentKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(label=_("What happened"),
                                  widget=forms.Textarea(attrs={"rows": 4}))
    occurred_on = forms.DateField(label=_("Occurred on"), widget=DATE)
    institution = forms.CharField(label=_("Institution concerned (credit code)"),
                                  max_length=18, required=False)
    platform = forms.CharField(label=_("Platform or application"), max_length=200,
                               required=False,
                               help_text=_("Required for an online platform takedown."))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_institution(self) -> Institution | None:
        code = self.cleaned_data["institution"].strip().upper()
        if not code:
            return None
        institution = Institution.objects.restrict(self.user).select_related("region").filter(
            uscc=code).first()
        if institution is None:
            raise forms.ValidationError(_("No institution with this credit code."))
        return institution


class CloseForm(forms.Form):
    outcome = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}))


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "")
    kind = kind if kind in IncidentKind.values else ""
    status = status if status in IncidentStatus.values else ""
    page = keyset_page(incidents.incidents(user, kind=kind, status=status), request.GET,
                       size=PAGE_SIZE, name="governance:incidents")
    return render(request, "governance/incidents.html", {
        "page": page, "kinds": IncidentKind.choices, "statuses": IncidentStatus.choices,
        "kind": kind, "status": status,
        "may_manage": may(user, "governance.manage_incidents")})


@login_required
def incident_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _home_region(user)
    if region is None or not may(user, "governance.manage_incidents", region):
        raise Forbidden
    form = IncidentForm(request.POST or None, user=user)
    incident = _created(request, form, lambda data: incidents.incident_report(
        actor=user, region=region, kind=data["kind"], title=data["title"],
        description=data["description"], occurred_on=data["occurred_on"],
        institution=data["institution"], platform=data["platform"]),
        _("Incident registered; its departments have their tasks."))
    if incident is not None:
        return redirect("governance:incident", pk=incident.pk)
    return render(request, "governance/incident_new.html", {"form": form, "region": region},
                  status=_status(form))


def _page(request: HttpRequest, pk: int, close_form: CloseForm | None = None) -> HttpResponse:
    try:
        incident = incidents.incident_detail(_viewer(request, page=False), pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    user: Any = request.user
    manage = may(user, "governance.manage_incidents", incident.region)
    if close_form is None and manage and incident.status == IncidentStatus.OPEN:
        close_form = CloseForm()
    tasks = list(incident.case.tasks.all())
    return render(request, "governance/incident.html", {
        "incident": incident, "tasks": tasks,
        "route_source": active_profile().incident_route(incident.kind).get("source", ""),
        "close_form": close_form if manage else None,
        "open_tasks": sum(1 for t in tasks if t.status == "open"),
        # The incident's case is linked only for those who may open it (as a meeting's
        # decisions): a reader of the incident outside its departments gets the number.
        "case_viewable": bool(viewable_case_ids(user, [incident.case_id]))},
        status=400 if close_form is not None and close_form.errors else 200)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, pk)


@login_required
@require_POST
def incident_close(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    try:
        incident = incidents.incident_detail(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    if not may(user, "governance.manage_incidents", incident.region):
        raise Forbidden
    form = CloseForm(request.POST)
    if _saved(request, form, lambda data: incidents.incident_close(
            actor=user, incident=incident, outcome=data["outcome"]), _("Incident closed.")):
        return redirect("governance:incident", pk=pk)
    return _page(request, pk, form)
