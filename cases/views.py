"""Officers' workspace pages for cases, tasks and the inbox. Thin: every read goes
through the scope gateway (selectors), every write through a service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cases import kinds, selectors, services
from cases.filters import CasePageFilter, TaskOverviewFilter, TaskPageFilter
from cases.forms import (
    AttachmentForm,
    BulkAssignForm,
    CaseOpenForm,
    CommentForm,
    ReasonForm,
    TaskAssignForm,
    TaskCompleteForm,
    TaskReassignForm,
    TaskReturnForm,
)
from cases.models import Attachment, Case, Comment, Notification, Task, TaskRole
from core.abilities import may
from core.errors import DomainError
from core.exports import xlsx_response
from core.paging import keyset_page
from core.ratelimit import exports_limited
from org.scope import Action

PAGE_SIZE = 50
#: Session key of the tasks ticked before a bulk assignment that failed.
BULK_SELECTION = "cases:bulk_selection"


def _page(request: HttpRequest, qs: QuerySet) -> Any:
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _form_error(form: Any, exc: DomainError) -> None:
    field = exc.field if exc.field in getattr(form, "fields", {}) else None
    form.add_error(field, str(exc.message))


def _case_or_404(request: HttpRequest, number: str) -> Case:
    try:
        return selectors.case_for(request.user, number)
    except Case.DoesNotExist:
        raise Http404


def _task_or_404(request: HttpRequest, pk: int) -> Task:
    return get_object_or_404(selectors.task_list_qs(request.user), pk=pk)


#: The columns of the .xlsx exports, named lazily: named at import they stayed in the
#: default language, and an English export had Chinese headers (the walk of 2 December).
TASK_EXPORT = [
    (gettext_lazy("Case number"), lambda t: t.case.number),
    (gettext_lazy("Case"), lambda t: t.case.title),
    (gettext_lazy("Department"), lambda t: t.department.name),
    (gettext_lazy("Role"), lambda t: t.get_role_display()),
    (gettext_lazy("Duty"), lambda t: t.duty),
    (gettext_lazy("Assignee"), lambda t: str(t.assignee) if t.assignee else ""),
    (gettext_lazy("Due date"), lambda t: t.due_date),
    (gettext_lazy("Status"), lambda t: t.get_status_display()),
    (gettext_lazy("Escalation level"), lambda t: t.escalation_level),
]


def _task_list(request: HttpRequest, qs: QuerySet, *, title: str, queue: str,
               bulk: bool = False) -> HttpResponse:
    """A task page: keyset pages in the order the reader picked (the token names it), and
    no COUNT(*): a queue grows with every case (issue 13)."""
    filterset = TaskPageFilter(request.GET, queryset=qs, request=request)
    tasks = filterset.qs
    if request.GET.get("export") == "xlsx":
        return xlsx_response(title, TASK_EXPORT, tasks)
    page = keyset_page(tasks, request.GET, size=PAGE_SIZE, name=f"tasks:{queue}")
    context = {"title": title, "queue": queue, "filter": filterset, "page": page,
               "bulk_form": _bulk_form(request, page) if bulk else None,
               "selected": _kept_selection(request)}
    return render(request, "cases/task_list.html", context)


def _bulk_form(request: HttpRequest, page: Any) -> BulkAssignForm:
    """Offers the officers of the departments of the tasks on this page."""
    return BulkAssignForm(user=request.user,
                          departments={t.department_id for t in page.object_list})


def _kept_selection(request: HttpRequest) -> set[int]:
    """The tasks ticked before a bulk assignment that failed, ticked again (issue 14 C9)."""
    return set(request.session.pop(BULK_SELECTION, []))


@login_required
@exports_limited
def my_tasks(request: HttpRequest) -> HttpResponse:
    tasks = selectors.my_tasks(request.user, open_only=False)  # the filter keeps open ones
    return _task_list(request, tasks, title=_("My tasks"), queue="mine")


@login_required
@exports_limited
def department_tasks(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "cases.view_department_tasks"):
        raise Http404
    return _task_list(request, selectors.department_tasks(request.user),
                      title=_("My department's tasks"), queue="department",
                      bulk=may(request.user, "cases.bulk_assign_department"))


@login_required
@exports_limited
def overview(request: HttpRequest) -> HttpResponse:
    """County overview: overdue, due this week, by department; bulk assignment. The
    figures by department are counts users need (what is overdue where); the task rows
    below page by keyset without a COUNT(*) (issue 13)."""
    if not may(request.user, "cases.oversee_tasks"):
        raise Http404
    qs = selectors.assignable_tasks(request.user)
    filterset = TaskOverviewFilter(request.GET, queryset=qs, request=request)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("Task overview"), TASK_EXPORT, filterset.qs)
    context = {
        "title": _("Task overview"), "queue": "overview", "filter": filterset,
        "page": (page := keyset_page(filterset.qs, request.GET, size=PAGE_SIZE,
                                     name="tasks:overview")),
        "overview": selectors.county_overview(request.user),
        "bulk_form": _bulk_form(request, page),
        "selected": _kept_selection(request),
    }
    return render(request, "cases/task_list.html", context)


@login_required
@require_POST
def bulk_assign(request: HttpRequest) -> HttpResponse:
    form = BulkAssignForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            done = services.tasks_bulk_assign(
                actor=request.user, task_ids=form.cleaned_data["tasks"],
                assignee=form.cleaned_data.get("assignee"),
                department=form.cleaned_data.get("department"),
                reason=form.cleaned_data.get("reason", ""))
            messages.success(request, _("%(n)s tasks assigned.") % {"n": len(done)})
        except DomainError as exc:
            messages.error(request, str(exc.message))
            request.session[BULK_SELECTION] = form.cleaned_data["tasks"]
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        if "tasks" in form.cleaned_data:
            request.session[BULK_SELECTION] = form.cleaned_data["tasks"]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("cases:overview")
    return redirect(target)


@login_required
def task_action(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """Complete, return or reassign one task (a page of its own, also used by htmx)."""
    task = _task_or_404(request, pk)
    form_classes = {"complete": TaskCompleteForm, "return": TaskReturnForm,
                    "reassign": TaskReassignForm}
    if verb not in form_classes:
        raise Http404
    needed = Action.ASSIGN if verb == "reassign" else Action.CHANGE
    if not Task.objects.restrict(request.user, needed).filter(pk=task.pk).exists():
        raise Http404  # the page of an action you cannot take does not exist for you
    kwargs = {"user": request.user} if verb == "reassign" else {}
    form = form_classes[verb](request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if verb == "complete":
                services.task_complete(actor=request.user, task=task, note=data["note"])
                messages.success(request, _("Task completed."))
            elif verb == "return":
                services.task_return(actor=request.user, task=task, reason=data["reason"])
                messages.success(request, _("Task returned."))
            else:
                services.task_reassign(actor=request.user, task=task,
                                       assignee=data.get("assignee"),
                                       department=data.get("department"),
                                       reason=data.get("reason", ""))
                messages.success(request, _("Task reassigned."))
            return redirect(task.case.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(request, "cases/task_action.html", {"task": task, "form": form, "verb": verb},
                  status=400 if request.method == "POST" else 200)


CASE_EXPORT = [
    (gettext_lazy("Number"), lambda c: c.number),
    (gettext_lazy("Kind"), lambda c: c.kind_label),
    (gettext_lazy("Title"), lambda c: c.title),
    (gettext_lazy("Region"), lambda c: c.region.name),
    (gettext_lazy("State"), lambda c: c.get_state_display()),
    (gettext_lazy("Open tasks"), lambda c: c.open_tasks),
    (gettext_lazy("Opened at"), lambda c: c.opened_at),
]


@login_required
@exports_limited
def case_list(request: HttpRequest) -> HttpResponse:
    filterset = CasePageFilter(request.GET, queryset=selectors.case_list_qs(request.user),
                               request=request)
    if request.GET.get("export") == "xlsx":
        return xlsx_response(_("Cases"), CASE_EXPORT, filterset.qs)
    may_open = may(request.user, "cases.open_case")
    return render(request, "cases/case_list.html", {
        # Keyset pages on the id, newest first: the list grows with every case (issue 13).
        "filter": filterset, "may_open": may_open,
        "page": keyset_page(filterset.qs, request.GET, size=PAGE_SIZE, name="cases")})


@login_required
def case_open(request: HttpRequest) -> HttpResponse:
    if not may(request.user, "cases.open_case"):
        raise Http404  # the form is offered only to who may open cases
    form = CaseOpenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            case = services.case_open(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
            return redirect(case.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(request, "cases/case_open.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


def _addresses_applicant(user: Any, case: Case) -> bool:
    """An officer on a case about an institution may write to (or share a file with) the
    institution, if its staff read the case; the institution's own staff write as the
    applicant."""
    return case.institution_id is not None and \
        getattr(user, "institution_id", None) is None and services.institution_reads_case(case)


def _may(user: Any, case: Case, action: str) -> bool:
    return Case.objects.restrict(user, action).filter(pk=case.pk).exists()


@login_required
def case_detail(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    user = request.user
    tasks = list(case.tasks.select_related("department", "assignee", "completed_by")
                 .order_by("due_date", "id"))
    workable = set(Task.objects.restrict(user, Action.CHANGE).filter(case=case)
                   .exclude(role=TaskRole.LEAD, step__in=kinds.decision_steps(case.kind))
                   .values_list("pk", flat=True))
    assignable = set(Task.objects.restrict(user, Action.ASSIGN).filter(case=case)
                     .values_list("pk", flat=True))
    addresses_applicant = _addresses_applicant(user, case)
    context = {
        "case": case, "tasks": tasks, "workable": workable, "assignable": assignable,
        "timeline": selectors.grouped_timeline(selectors.case_timeline(user, case)),
        "attachments": Attachment.objects.restrict(user).filter(case=case).select_related(
            "uploaded_by"),
        "comments": Comment.objects.restrict(user).filter(case=case).select_related("author"),
        "may_change": _may(user, case, Action.CHANGE),
        "may_manage": _may(user, case, Action.MANAGE),
        "reopen_refusal": kinds.reopen_refusal(case=case) if case.state == "closed" else None,
        "may_assign": _may(user, case, Action.ASSIGN),
        "comment_form": CommentForm(offer_applicant=addresses_applicant),
        "attachment_form": AttachmentForm(offer_applicant=addresses_applicant),
        "panels": kinds.panels_for(request=request, case=case),
    }
    return render(request, "cases/case_detail.html", context)


@login_required
def case_assign(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    if not _may(request.user, case, Action.ASSIGN):
        raise Http404
    form = TaskAssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.task_assign(actor=request.user, case=case, **form.cleaned_data)
            messages.success(request, _("Task assigned."))
            return redirect(case.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(request, "cases/case_assign.html", {"case": case, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
def case_transition(request: HttpRequest, number: str, verb: str) -> HttpResponse:
    case = _case_or_404(request, number)
    services_by_verb = {"close": services.case_close, "cancel": services.case_cancel,
                        "reopen": services.case_reopen}
    if verb not in services_by_verb:
        raise Http404
    if not _may(request.user, case, Action.MANAGE):
        raise Http404
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services_by_verb[verb](actor=request.user, case=case,
                                   reason=form.cleaned_data["reason"])
            messages.success(request, _("Case updated."))
            return redirect(case.get_absolute_url())
        except DomainError as exc:
            _form_error(form, exc)
    return render(request, "cases/case_transition.html", {"case": case, "form": form,
                                                          "verb": verb},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def comment_add(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    form = CommentForm(request.POST, offer_applicant=_addresses_applicant(request.user, case))
    if form.is_valid():
        try:
            services.comment_add(actor=request.user, case=case, body=form.cleaned_data["body"],
                                 to_applicant=form.cleaned_data.get("to_applicant", False))
            messages.success(request, _("Comment added."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    else:
        messages.error(request, _("The comment is empty."))
    return redirect(case.get_absolute_url())


@login_required
@require_POST
def attachment_add(request: HttpRequest, number: str) -> HttpResponse:
    case = _case_or_404(request, number)
    form = AttachmentForm(request.POST, request.FILES,
                          offer_applicant=_addresses_applicant(request.user, case))
    if form.is_valid():
        try:
            services.attachment_add(actor=request.user, case=case,
                                    upload=form.cleaned_data["file"],
                                    to_applicant=form.cleaned_data.get("to_applicant", False))
            messages.success(request, _("File uploaded."))
        except DomainError as exc:
            messages.error(request, str(exc.message))
    elif form.has_error("file", "required"):
        messages.error(request, _("Choose a file to upload."))
    else:  # an empty file, or a file field sent without a file: Django's own words
        messages.error(request, form.errors["file"][0])
    return redirect(case.get_absolute_url())


@login_required
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    case = _case_or_404(request, number)
    attachment = get_object_or_404(Attachment.objects.restrict(request.user), pk=pk, case=case)
    response = FileResponse(attachment.file.open("rb"), as_attachment=True,
                            filename=attachment.original_name,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    """The inbox: all or only the unread notices, paged; a POST marks one notice read (its
    `id`) or all of them, and returns to the same view of the inbox."""
    show = "unread" if request.GET.get("show") == "unread" else "all"
    back = redirect(f"{reverse('cases:notifications')}?show={show}")
    if request.method == "POST":
        one = request.POST.get("id")
        if one is None:
            services.notifications_mark_read(actor=request.user)
            messages.success(request, _("All notifications marked as read."))
            return back
        if not one.isdigit() or int(one) > 2**63 - 1:  # the column's range (issue 14 D6)
            raise Http404
        services.notifications_mark_read(actor=request.user, ids=[int(one)])
        messages.success(request, _("Notification marked as read."))
        return back
    qs = Notification.objects.restrict(request.user).select_related("case")
    if show == "unread":
        qs = qs.unread()
    return render(request, "cases/notifications.html",
                  {"page": _page(request, qs), "show": show})


@login_required
def notifications_badge(request: HttpRequest) -> HttpResponse:
    """The unread count in the navigation bar, refreshed by htmx."""
    return render(request, "cases/_unread_badge.html",
                  {"nav_unread": selectors.unread_count(request.user)})


@login_required
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a notification and go to its case. Only a POST (the inbox's own button) marks
    it read: a GET changes nothing, so a link planted elsewhere cannot mark a victim's
    escalation notices read."""
    note = get_object_or_404(Notification.objects.restrict(request.user).select_related("case"),
                             pk=pk)
    if request.method == "POST" and note.read_at is None:
        services.notifications_mark_read(actor=request.user, ids=[note.pk])
    if note.case:
        return redirect(note.case.get_absolute_url())
    if services.is_scan_digest(note):
        return redirect(services.digest_path(request.user, note))
    return redirect("cases:notifications")
