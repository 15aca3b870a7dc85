from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from cases import selectors, services
from cases.filters import CaseFilter, TaskFilter
from cases.models import Notification, Task, TaskStatus
from cases.serializers import (
    CaseDetailSerializer,
    CaseSerializer,
    MarkReadSerializer,
    NotificationSerializer,
    TaskCompleteSerializer,
    TaskSerializer,
)
from core.api.errors import ErrorSerializer
from core.api.fastlist import FastListMixin, iso_date, iso_datetime
from core.api.pagination import DueDateCursorPagination
from core.api.views import StrictQueryMixin
from org.feed import ChangeFeedView, feed_schema


def case_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the list, as `CaseSerializer` writes it (the fast path of issue 13;
    `cases/tests/test_fastlist.py` compares the two)."""
    return {
        "number": row["number"], "kind": row["kind"], "title": row["title"],
        "region": row["region__code"], "region_name": row["region__name"],
        "institution": {"uscc": row["institution__uscc"], "name": row["institution__name"]}
        if row["institution__uscc"] is not None else None,
        "category": row["category"], "phase": row["phase"], "state": row["state"],
        "opened_at": iso_datetime(row["opened_at"]),
        "closed_at": iso_datetime(row["closed_at"]),
        "updated_at": iso_datetime(row["updated_at"]), "open_tasks": row["open_tasks"],
    }


class CaseViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Cases in the caller's scope. Missing and forbidden cases both answer 404."""

    filterset_class = CaseFilter
    lookup_field = "number"
    required_scope = "cases:read"
    list_values = ("id", "number", "kind", "title", "region__code", "region__name",
                   "institution__uscc", "institution__name", "category", "phase", "state",
                   "opened_at", "closed_at", "updated_at", "open_tasks")
    list_row = staticmethod(case_row)
    # Task progress touches its case's updated_at (issue 14 §A6), so it covers the tasks.
    last_modified_field = "updated_at"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        qs = selectors.case_list_qs(self.request.user)
        if self.action == "retrieve":
            qs = qs.prefetch_related("tasks__department", "tasks__assignee", "tasks__case")
        return qs

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return CaseDetailSerializer if self.action == "retrieve" else CaseSerializer


def task_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the list, as `TaskSerializer` writes it (the fast path of issue 13;
    `cases/tests/test_fastlist_tasks.py` compares the two)."""
    assignee = row["assignee"]
    return {
        "id": row["id"], "case": row["case__number"], "case_title": row["case__title"],
        "department": row["department"], "department_name": row["department__name"],
        "assignee": assignee,
        "assignee_name": (row["assignee__full_name"] or row["assignee__username"])
        if assignee is not None else None,
        "role": row["role"], "step": row["step"], "duty": row["duty"],
        "due_date": iso_date(row["due_date"]), "status": row["status"],
        "completion_note": row["completion_note"], "return_reason": row["return_reason"],
        "escalation_level": row["escalation_level"],
        "overdue_since": iso_date(row["overdue_since"]),
        "is_overdue": row["overdue_since"] is not None and row["status"] == TaskStatus.OPEN,
        "completed_at": iso_datetime(row["completed_at"]),
        "created_at": iso_datetime(row["created_at"]),
    }


class MyTaskViewSet(StrictQueryMixin, FastListMixin, mixins.ListModelMixin,
                    mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """待办: my open tasks (assigned to me, or unassigned in my department)."""

    serializer_class = TaskSerializer
    list_values = ("id", "case__number", "case__title", "department", "department__name",
                   "assignee", "assignee__full_name", "assignee__username", "role", "step",
                   "duty", "due_date", "status", "completion_note", "return_reason",
                   "escalation_level", "overdue_since", "completed_at", "created_at")
    list_row = staticmethod(task_row)
    filterset_class = TaskFilter
    pagination_class = DueDateCursorPagination
    queryset = Task.objects.none()
    user_only = True

    def get_queryset(self):  # type: ignore[no-untyped-def]
        if getattr(self, "swagger_fake_view", False):
            return Task.objects.none()
        if self.action == "complete":
            # Any task I can see; task_complete then checks that I may work it.
            return selectors.task_list_qs(self.request.user)
        return selectors.my_tasks(self.request.user)

    @extend_schema(request=TaskCompleteSerializer,
                   responses={200: TaskSerializer, 409: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str | None = None) -> Response:
        task = self.get_object()
        data = TaskCompleteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = services.task_complete(actor=request.user, task=task,
                                      note=data.validated_data["note"])
        return Response(TaskSerializer(task).data)


class NotificationViewSet(StrictQueryMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """My in-app notifications."""

    serializer_class = NotificationSerializer
    user_only = True

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Notification.objects.restrict(self.request.user).select_related("case")

    @extend_schema(request=MarkReadSerializer, responses={200: None})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request: Request) -> Response:
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.notifications_mark_read(actor=request.user,
                                                 ids=data.validated_data.get("ids"))
        return Response({"marked": count}, status=status.HTTP_200_OK)


@feed_schema(CaseSerializer, "case")
class CaseChangeFeed(ChangeFeedView):
    """Cases of the caller's scope that changed after `since` (task progress included,
    issue 14 §A6), oldest first, with tombstones of cases that left its regions."""

    feed_kind = "case"
    key_field = "number"
    serializer_class = CaseSerializer
    required_scope = "cases:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.case_list_qs(self.request.user)
