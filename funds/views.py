"""The funds pages: an overview of the institutions' funds, an institution's fund page
(arrangement, balances, orders, sale), an order (ledger, consumption, disputes, refund),
the ledger, and the bank-statement import. Every read goes through the gateway; missing
and forbidden both answer 404."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.abilities import may
from core.errors import DomainError, PermissionDenied
from core.exports import xlsx_response
from core.i18n import join_list
from core.paging import keyset_page
from core.ratelimit import exports_limited, limited
from funds import imports, selectors, services
from funds.forms import (
    ArrangementForm,
    ConsumptionForm,
    DisputeForm,
    InvoiceForm,
    OrderForm,
    RefundAnswerForm,
    RefundDecideForm,
    RefundForm,
    ResolveForm,
    RiskPlanForm,
    RiskProgressForm,
    SelfInspectionForm,
    SpotCheckForm,
    StatementForm,
    WarningForm,
)
from funds.models import (
    OPEN_REFUND_STATES,
    WARNING_TRANSITIONS,
    Consumption,
    ConsumptionState,
    Order,
    OrderState,
    PlanState,
    RefundRequest,
    RefundState,
    RiskPlan,
    RiskWarning,
    WarningState,
)
from institutions import rules
from institutions.models import Institution

PAGE_SIZE = 30


def _run(form: Any, call: Any) -> bool:
    """Call a service; show a refusal as form errors (each rule violation by field)."""
    try:
        call()
        return True
    except PermissionDenied:
        raise Http404 from None
    except rules.RuleViolation as exc:
        for v in exc.violations:
            form.add_error(v.field if v.field in form.fields else None, str(v))
    except DomainError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
    return False


def _institution(request: HttpRequest, uscc: str) -> Institution:
    try:
        return selectors.funds_institution(request.user, uscc)
    except Institution.DoesNotExist:
        raise Http404 from None


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    """The institutions whose funds the user reads: mode, open orders, held and
    disbursed totals, a keyset page in the register's order (no COUNT(*), issue 13).
    Institution staff go to their own page."""
    if not may(request.user, "funds.view"):
        raise Http404
    qs = selectors.institutions(request.user)
    return render(request, "funds/overview.html", {
        "page": keyset_page(qs, request.GET, size=PAGE_SIZE, name="funds:overview"),
        "may_import": may(request.user, "funds.import_statement")})


#: The orders export (the registry's enrolments export before issue 11 moved enrolling
#: here); the guardian's phone is added for who works on the institution's funds.
ORDER_EXPORT = [
    (gettext_lazy("Order number"), lambda o: o.number),
    (gettext_lazy("Ordered on"), lambda o: o.ordered_on),
    (gettext_lazy("Learner"), lambda o: o.learner_name),
    (gettext_lazy("Guardian"), lambda o: o.guardian_name),
    (gettext_lazy("Course"), lambda o: o.course.name),
    (gettext_lazy("Class hours"), lambda o: o.class_hours),
    (gettext_lazy("Months covered"), lambda o: o.months),
    (gettext_lazy("Amount (yuan)"), lambda o: o.amount),
    (gettext_lazy("Held in custody (yuan)"), lambda o: o.held),
    (gettext_lazy("State"), lambda o: o.get_state_display()),
    (gettext_lazy("Origin"), lambda o: o.get_origin_display()),
]


@login_required
@exports_limited
def institution_funds(request: HttpRequest, uscc: str) -> HttpResponse:
    """An institution's fund page: its arrangement, balances and orders, and the sale
    form for who may sell (refused with the rule it breaks, 002 §2(4)); `?export=xlsx`
    downloads the orders."""
    institution = _institution(request, uscc)
    working = selectors.may_work_on(request.user, institution)
    if request.GET.get("export") == "xlsx":
        columns = ([*ORDER_EXPORT[:4], (_("Guardian's phone"), lambda o: o.guardian_phone),
                    *ORDER_EXPORT[4:]] if working else ORDER_EXPORT)
        return xlsx_response(_("Orders"), columns, selectors.orders(request.user, institution))
    form = None
    if working and may(request.user, "funds.sell", institution):
        form = OrderForm(request.POST or None, institution=institution)
    if request.method == "POST":
        if form is None:
            raise Http404
        made: list[Order] = []
        if form.is_valid() and _run(form, lambda: made.append(services.order_create(
                actor=request.user, institution=institution, **form.cleaned_data))):
            messages.success(request, _(
                "Order %(number)s is recorded; it awaits the payment. Give the parent the "
                "private code %(code)s: with the order number it shows the order and its "
                "class consumption on the public order page. It is shown only now.")
                % {"number": made[0].number, "code": made[0].access_code})  # type: ignore[attr-defined]
            return redirect("funds:institution", uscc=institution.uscc)
    orders = selectors.orders(request.user, institution)
    return render(request, "funds/institution.html", {
        "institution": institution,
        "arrangement": selectors.arrangement_of(request.user, institution),
        "balances": selectors.balances(institution=institution),
        "page": keyset_page(orders, request.GET, size=PAGE_SIZE, name="funds:orders"),
        "form": form,
        "may_arrange": working and may(request.user, "funds.arrange", institution),
    }, status=400 if request.method == "POST" else 200)


@login_required
def arrangement(request: HttpRequest, uscc: str) -> HttpResponse:
    institution = _institution(request, uscc)
    if not (selectors.may_work_on(request.user, institution)
            and may(request.user, "funds.arrange", institution)):
        raise Http404
    current = selectors.arrangement_of(request.user, institution)
    initial = {f: getattr(current, f) for f in ArrangementForm.base_fields
               if f != "guarantee_upload"} if current else {}
    form = ArrangementForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST":
        if form.is_valid() and _run(form, lambda: services.arrangement_record(
                actor=request.user, institution=institution, **form.cleaned_data)):
            messages.success(request, _("The supervision arrangement is recorded."))
            return redirect("funds:institution", uscc=institution.uscc)
    return render(request, "funds/arrangement.html", {"institution": institution,
                                                      "form": form, "current": current},
                  status=400 if request.method == "POST" else 200)


@login_required
def ledger(request: HttpRequest, uscc: str) -> HttpResponse:
    institution = _institution(request, uscc)
    qs = selectors.entries(request.user, institution)
    return render(request, "funds/ledger.html", {
        "institution": institution, "balances": selectors.balances(institution=institution),
        "page": keyset_page(qs, request.GET, size=PAGE_SIZE, name="funds:ledger")})


ORDER_FORMS = {"consume": ConsumptionForm, "dispute": DisputeForm, "resolve": ResolveForm,
               "refund": RefundForm, "answer": RefundAnswerForm, "decide": RefundDecideForm,
               "invoice": InvoiceForm}


@login_required
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """An order: its balances and entries, its class consumption with disputes, and the
    actions the user may take on it."""
    try:
        order = selectors.order_detail(request.user, number)
    except Order.DoesNotExist:
        raise Http404 from None
    user = request.user
    inst = order.institution
    working = selectors.may_work_on(user, inst)
    offers = {
        "consume": working and order.state == OrderState.PAID and may(user, "funds.consume", inst),
        "dispute": may(user, "funds.dispute", inst),
        "resolve": working and may(user, "funds.resolve", inst),
        "refund": working and order.state == OrderState.PAID and may(user, "funds.refund", inst),
        "answer": working and may(user, "funds.answer_refund", inst),
        "decide": working and may(user, "funds.resolve", inst),
        "invoice": working and order.state not in (OrderState.PENDING, OrderState.CANCELLED)
        and may(user, "funds.invoice", inst),
    }
    forms: dict[str, Any] = {}
    if offers["invoice"]:
        forms["invoice"] = InvoiceForm(prefix="invoice")
    if offers["consume"]:
        forms["consume"] = ConsumptionForm(prefix="consume")
    if offers["refund"]:
        forms["refund"] = RefundForm(prefix="refund",
                                     initial={"idempotency_key": uuid.uuid4().hex})
    status = 200
    if request.method == "POST":
        verb = request.POST.get("verb", "")
        if verb not in ORDER_FORMS or not offers[verb]:
            raise Http404
        form = ORDER_FORMS[verb](request.POST, prefix=verb)
        forms[verb] = form
        if form.is_valid() and _run(form, lambda: _order_action(verb, user, order,
                                                                form.cleaned_data)):
            messages.success(request, _("Saved."))
            return redirect("funds:order_detail", number=order.number)
        status = 400
    consumptions = selectors.consumptions(user, order)
    return render(request, "funds/order.html", {
        "order": order, "balances": selectors.balances(order=order), "offers": offers,
        "forms": forms, "consumptions": consumptions,
        "entries": selectors.entries(user).filter(order=order)[:200],
        "disputed": ConsumptionState.DISPUTED, "recorded": ConsumptionState.RECORDED,
        "refund_requests": selectors.refund_requests(user, order),
        "invoices": selectors.invoices(user, order),
        "requested": RefundState.REQUESTED, "refused": RefundState.REFUSED,
    }, status=status)


def _order_action(verb: str, user: Any, order: Order, data: dict[str, Any]) -> Any:
    if verb == "consume":
        return services.consumption_record(actor=user, order=order, **data)
    if verb == "refund":
        return services.order_refund(actor=user, order=order, reason=data["reason"],
                                     idempotency_key=data.get("idempotency_key") or None)
    if verb == "invoice":
        return services.invoice_record(actor=user, order=order, **data)
    if verb in ("answer", "decide"):
        try:
            refund = selectors.refund_requests(user, order).get(pk=data["request"])
        except RefundRequest.DoesNotExist:
            raise DomainError(_("No such request."), field=None) from None
        if verb == "answer":
            return services.refund_answer(actor=user, request=refund, agree=data["agree"],
                                          note=data["note"])
        return services.refund_decide(actor=user, request=refund, uphold=data["uphold"],
                                      decision=data["decision"])
    try:
        consumption = selectors.consumptions(user, order).get(pk=data["consumption"])
    except Consumption.DoesNotExist:
        raise DomainError(_("No such record."), field=None) from None
    if verb == "dispute":
        return services.consumption_dispute(actor=user, consumption=consumption,
                                            reason=data["reason"])
    return services.consumption_resolve(actor=user, consumption=consumption,
                                        uphold=data["uphold"], resolution=data["resolution"])


@login_required
def statement_import(request: HttpRequest) -> HttpResponse:
    """Upload the custodian bank's statement: a report per row, all or nothing."""
    if not may(request.user, "funds.import_statement"):
        raise Http404
    form = StatementForm(request.POST or None, request.FILES or None)
    job = None
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.statement_import(actor=request.user, upload=form.cleaned_data["file"])
        except PermissionDenied:
            raise Http404 from None
        except DomainError as exc:
            form.add_error("file", str(exc.message))
    return render(request, "funds/statement_import.html", {
        "form": form, "job": job,
        "columns": join_list(label for _key, label in imports.COLUMNS),
        "recent": selectors.statement_imports(request.user)[:10]},
        status=400 if request.method == "POST" and (job is None or job.errors) else 200)


@login_required
def warning_list(request: HttpRequest) -> HttpResponse:
    """Risk warnings (003) of the institutions whose funds the user reads."""
    if not may(request.user, "funds.view"):
        raise Http404
    return render(request, "funds/warnings.html", {
        "page": keyset_page(selectors.warnings(request.user), request.GET, size=PAGE_SIZE,
                            name="funds:warnings")})


@login_required
def warning_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A warning and its handling record; the next step for who may handle it."""
    try:
        warning = selectors.warning_detail(request.user, pk)
    except RiskWarning.DoesNotExist:
        raise Http404 from None
    form = escalate = None
    working = selectors.may_work_on(request.user, warning.institution)
    posted = request.POST if request.method == "POST" else None
    verb = request.POST.get("verb", "handle") if posted else ""
    if working and may(request.user, "funds.handle_warning", warning.institution):
        states = [(s, WarningState(s).label) for s in WarningState.values
                  if s in WARNING_TRANSITIONS[warning.state]]
        if states:
            form = WarningForm(posted if verb == "handle" else None, states=states)
    if working and may(request.user, "funds.risk_ledger", warning.institution) and \
            warning.state not in (WarningState.RESOLVED, WarningState.ESCALATED):
        escalate = RiskPlanForm(posted if verb == "escalate" else None, user=request.user,
                                prefix="plan")
    if posted is not None:
        chosen = form if verb == "handle" else escalate if verb == "escalate" else None
        if chosen is None:
            raise Http404
        if chosen is form and form.is_valid() and _run(form, lambda: services.warning_handle(
                actor=request.user, warning=warning, **form.cleaned_data)):
            messages.success(request, _("Saved."))
            return redirect("funds:warning_detail", pk=warning.pk)
        if chosen is escalate and escalate.is_valid() and _run(
                escalate, lambda: services.risk_plan_open(
                    actor=request.user, institution=warning.institution, warning=warning,
                    **escalate.cleaned_data)):
            messages.success(request, _("The warning is escalated into the risk ledger."))
            return redirect("funds:risk_plan", pk=warning.institution.risk_plan.pk)
    return render(request, "funds/warning.html", {
        "warning": warning, "form": form, "escalate": escalate,
        "actions": selectors.warning_actions(request.user, warning)},
        status=400 if request.method == "POST" else 200)


@limited
def parent_order(request: HttpRequest) -> HttpResponse:
    """Parents see their own order through the order number and the private code, and
    dispute a consumption record within the period (issue 11 "Access"; 002 §2(3)). A
    wrong code answers like a missing order; the page is rate-limited."""
    # The code travels in a POST body, never in a URL that logs keep.
    number = request.POST.get("number", "").strip()[:20]
    code = request.POST.get("code", "").strip()[:20]
    order, error, refund_error, status = None, "", "", 200
    if number or code:
        try:
            order = selectors.order_for_parent(number=number, code=code)
        except Order.DoesNotExist:
            error, status = _("No order matches this number and code."), 404
    if order is not None and request.method == "POST" and "refund_reason" in request.POST:
        try:
            services.refund_request_by_parent(
                number=number, code=code, reason=request.POST.get("refund_reason", "")[:2001])
            messages.success(request, _("Your refund request is recorded; the institution "
                                        "answers it, and if it refuses, the supervising "
                                        "department decides."))
            order = selectors.order_for_parent(number=number, code=code)
        except DomainError as exc:
            refund_error, status = str(exc.message), 400
    elif order is not None and request.method == "POST" and "consumption" in request.POST:
        try:
            consumption_id = int(request.POST.get("consumption", ""))
            services.consumption_dispute_by_parent(
                number=number, code=code, consumption_id=consumption_id,
                reason=request.POST.get("reason", "")[:2000])
            messages.success(request, _("Your dispute is recorded; the supervising "
                                        "department decides it."))
        except (ValueError, Consumption.DoesNotExist):
            error, status = _("No such record."), 400
        except DomainError as exc:
            error, status = str(exc.message), 400
    return render(request, "funds/parent_order.html", {
        "order": order, "number": number, "code": code, "error": error,
        "consumptions": order.consumptions.order_by("-lesson_on", "-id") if order else [],
        "refunds": order.refund_requests.order_by("-id") if order else [],
        "refund_error": refund_error,
        "may_ask_refund": order is not None and order.state == OrderState.PAID and not any(
            r.state in OPEN_REFUND_STATES for r in order.refund_requests.all()),
        "recorded": ConsumptionState.RECORDED}, status=status)


@login_required
def risk_ledger(request: HttpRequest) -> HttpResponse:
    """The risk ledger (一企一策, 003): one plan per institution, followed to resolution."""
    if not may(request.user, "funds.view"):
        raise Http404
    return render(request, "funds/risk_ledger.html", {
        "page": keyset_page(selectors.risk_plans(request.user), request.GET, size=PAGE_SIZE,
                            name="funds:risk_plans")})


@login_required
def risk_plan(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        plan = selectors.risk_plans(request.user).get(pk=pk)
    except RiskPlan.DoesNotExist:
        raise Http404 from None
    form = None
    if selectors.may_work_on(request.user, plan.institution) and \
            may(request.user, "funds.risk_ledger", plan.institution) and \
            plan.state != PlanState.RESOLVED:
        form = RiskProgressForm(request.POST or None)
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid() and _run(form, lambda: services.risk_progress_add(
                actor=request.user, plan=plan, **form.cleaned_data)):
            messages.success(request, _("Saved."))
            return redirect("funds:risk_plan", pk=plan.pk)
    return render(request, "funds/risk_plan.html", {
        "plan": plan, "form": form, "progress": selectors.risk_progress(request.user, plan)},
        status=400 if request.method == "POST" else 200)


@login_required
def guarantee(request: HttpRequest, uscc: str) -> FileResponse:
    """The risk deposit's guarantee document, for who reads the institution's funds."""
    institution = _institution(request, uscc)
    arrangement = selectors.arrangement_of(request.user, institution)
    if arrangement is None or not arrangement.guarantee_file:
        raise Http404
    return FileResponse(arrangement.guarantee_file.open("rb"), as_attachment=True,
                        filename=arrangement.guarantee_file_name or "guarantee",
                        content_type=arrangement.guarantee_file_type)


def _institution_records(request: HttpRequest, uscc: str, *, ability: str, form_class: Any,
                         files: bool, submit: Any, done: str, url_name: str,
                         template: str, rows: Any) -> HttpResponse:
    """An institution's records of one kind with the form to add one, shown to whom may
    add (a POST by anyone else is 404, as the form is not there)."""
    institution = _institution(request, uscc)
    form = None
    if selectors.may_work_on(request.user, institution) and may(
            request.user, ability, institution):
        form = form_class(request.POST or None, *((request.FILES or None,) if files else ()))
    if request.method == "POST":
        if form is None:
            raise Http404
        if form.is_valid() and _run(form, lambda: submit(
                actor=request.user, institution=institution, **form.cleaned_data)):
            messages.success(request, done)
            return redirect(url_name, uscc=institution.uscc)
    return render(request, template, {
        "institution": institution, "form": form,
        "page": Paginator(rows(request.user, institution), PAGE_SIZE).get_page(
            request.GET.get("page"))},
        status=400 if request.method == "POST" else 200)


@login_required
def self_inspections(request: HttpRequest, uscc: str) -> HttpResponse:
    """The institution's self-inspection reports on its prepaid fees (004 §4(4) 自查自纠),
    and the form for the institution (or an admin) to submit one."""
    return _institution_records(
        request, uscc, ability="funds.self_inspect", form_class=SelfInspectionForm,
        files=True, submit=services.self_inspection_submit,
        done=_("The self-inspection report is submitted."),
        url_name="funds:self_inspections", template="funds/self_inspections.html",
        rows=selectors.self_inspections)


@login_required
def self_inspection_file(request: HttpRequest, uscc: str, pk: int) -> FileResponse:
    institution = _institution(request, uscc)
    report = selectors.self_inspections(request.user, institution).filter(pk=pk).exclude(
        file="").first()
    if report is None:
        raise Http404
    return FileResponse(report.file.open("rb"), as_attachment=True,
                        filename=f"self-inspection-{report.pk}{Path(report.file.name).suffix}",
                        content_type=report.file_type)


@login_required
def spot_checks(request: HttpRequest, uscc: str) -> HttpResponse:
    """The 平安消费 (safe consumption) key spot checks of the institution's prepaid fees
    (004 §4(4) 重点抽查), and the form for the supervising department."""
    return _institution_records(
        request, uscc, ability="funds.spot_check", form_class=SpotCheckForm, files=False,
        submit=services.spot_check_record, done=_("The spot check is recorded."),
        url_name="funds:spot_checks", template="funds/spot_checks.html",
        rows=selectors.spot_checks)


@login_required
def refund_list(request: HttpRequest) -> HttpResponse:
    """Parents' refund requests of the institutions whose funds the user reads: the open
    ones (awaiting the institution, or refused and awaiting the department's decision)
    by default, `?state=all` for every one."""
    if not may(request.user, "funds.view"):
        raise Http404
    open_only = request.GET.get("state") != "all"
    qs = selectors.refund_requests(request.user)
    if open_only:
        qs = qs.filter(state__in=OPEN_REFUND_STATES)
    return render(request, "funds/refunds.html", {
        "open_only": open_only,
        "page": Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))})
