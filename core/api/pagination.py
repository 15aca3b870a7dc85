from rest_framework.pagination import CursorPagination


class CreatedCursorPagination(CursorPagination):
    """Keyset pagination (STYLE.md §6): stable under inserts, constant cost per page."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"


class DueDateCursorPagination(CreatedCursorPagination):
    ordering = ("due_date", "id")


class PathCursorPagination(CreatedCursorPagination):
    ordering = ("id",)
