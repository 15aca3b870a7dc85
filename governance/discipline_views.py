"""The pages of discipline inspection's records (supervision proposals and their
follow-ups) and of the evaluation records. Reads go through the scope gateway (another
county's record answers 404); each form is offered only to whom its service allows."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases.selectors import viewable_case_ids
from core.abilities import may
from governance import discipline
from governance.discipline_forms import EvaluationForm, FollowUpForm, ProposalForm
from governance.views import PAGE_SIZE, _created, _saved, _status, _viewer
from org.models import Region
from org.scope import scope_of


def _own_region(user: Any) -> Region | None:
    path = scope_of(user).region_path
    return Region.objects.filter(path=path).first() if path else None


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    page = Paginator(discipline.proposals(user), PAGE_SIZE).get_page(request.GET.get("page"))
    # The reply case is linked only for those who may open it (the walk of 2 December: an
    # education officer saw culture's proposal and its case link answered 404).
    viewable = viewable_case_ids(user, (p.case_id for p in page))
    return render(request, "governance/proposals.html", {
        "page_obj": page, "may_write": may(user, "governance.write_discipline"),
        "viewable_cases": viewable})


@login_required
def proposal_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _own_region(user)
    if region is None or not may(user, "governance.write_discipline", region):
        raise Forbidden
    form = ProposalForm(request.POST or None, user=user, region=region)
    proposal = _created(request, form, lambda data: discipline.proposal_issue(
        actor=user, region=region, **data), _("Supervision proposal issued."))
    if proposal is not None:
        return redirect("governance:proposal", pk=proposal.pk)
    return render(request, "governance/proposal_new.html", {"form": form, "region": region},
                  status=_status(form))


def _proposal_page(request: HttpRequest, pk: int, form: Any = None) -> HttpResponse:
    user = _viewer(request, page=False)
    try:
        proposal = discipline.proposal_detail(user, pk)
    except ObjectDoesNotExist:
        raise Http404 from None
    may_write = may(user, "governance.write_discipline", proposal.region)
    done = any(f.rectified for f in proposal.follow_ups.all())
    if form is None and may_write and not done:
        form = FollowUpForm()
    # The reply case is linked only for those who may open it (as on the list).
    case_viewable = bool(viewable_case_ids(user, [proposal.case_id]))
    return render(request, "governance/proposal.html", {
        "proposal": proposal, "form": form if may_write and not done else None,
        "done": done, "case_viewable": case_viewable},
        status=400 if form is not None and form.errors else 200)


@login_required
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _proposal_page(request, pk)


@login_required
@require_POST
def proposal_followup(request: HttpRequest, pk: int) -> HttpResponse:
    user = _viewer(request, page=False)
    proposal = discipline.proposals(user).filter(pk=pk).select_related("region").first()
    if proposal is None:
        raise Http404
    if not may(user, "governance.write_discipline", proposal.region):
        raise Forbidden
    form = FollowUpForm(request.POST)
    if _saved(request, form, lambda data: discipline.followup_add(
            actor=user, proposal=proposal, **data), _("Saved.")):
        return redirect("governance:proposal", pk=pk)
    return _proposal_page(request, pk, form)


@login_required
def evaluations(request: HttpRequest) -> HttpResponse:
    user = _viewer(request)
    qs = discipline.evaluations(user)
    kind = request.GET.get("kind", "")
    if kind:
        qs = qs.filter(kind=kind)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # A lagging task's case is linked only for those who may open it, as the proposals'
    # reply cases are (the walk of 2 December, again: an education officer read a notice
    # about a meeting decision's case and its link answered 404).
    viewable = viewable_case_ids(user, (t.case_id for r in page for t in r.tasks.all()))
    return render(request, "governance/evaluations.html", {
        "page_obj": page, "may_record": may(user, "governance.record_evaluation"),
        "kind": kind, "kinds": discipline.EvaluationKind.choices,
        "viewable_cases": viewable})


@login_required
def evaluation_new(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    region = _own_region(user)
    if region is None or not may(user, "governance.record_evaluation", region):
        raise Forbidden
    form = EvaluationForm(request.POST or None, user=user, region=region)
    if _saved(request, form, lambda data: discipline.evaluation_record(
            actor=user, region=region, **{**data, "cases_count": data["cases_count"] or 0,
                                          "persons": data["persons"] or 0}), _("Saved.")):
        return redirect("governance:evaluations")
    return render(request, "governance/evaluation_new.html", {"form": form, "region": region},
                  status=_status(form))


def proposal_panel(*, request: HttpRequest, case: Any) -> tuple[str, dict[str, Any]] | None:
    """On the case page of a proposal's reply: the link to the proposal."""
    proposal = discipline.proposals(request.user).filter(case=case).first()
    if proposal is None:
        return None
    return "governance/_proposal_panel.html", {"proposal": proposal}
