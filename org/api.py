from rest_framework import viewsets

from core.api.pagination import PathCursorPagination
from core.api.views import StrictQueryMixin
from org.filters import DepartmentFilter, RegionFilter
from org.models import Department, Region
from org.serializers import DepartmentSerializer, RegionSerializer


class RegionViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Administrative regions (city → county → town → village → grid)."""

    serializer_class = RegionSerializer
    filterset_class = RegionFilter
    pagination_class = PathCursorPagination
    lookup_field = "code"
    required_scope = "regions:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Region.objects.restrict(self.request.user).select_related("parent")


class DepartmentViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Departments with their published duties (000 §3)."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    pagination_class = PathCursorPagination
    required_scope = "regions:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return Department.objects.restrict(self.request.user).select_related("region").filter(
            is_active=True)
