"""The complaints API: the 12345 system's ticket endpoint (a token client with
complaints:write, idempotent on the ticket number) and the scoped list and detail."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from complaints import selectors, services
from complaints.models import CLIENT_SCOPE, Channel
from complaints.serializers import (
    AnalyticsSerializer,
    ComplaintSerializer,
    HotlineTicketSerializer,
)
from core.abilities import may
from core.api.errors import ErrorSerializer
from core.api.fastlist import FastListMixin, iso_datetime
from core.api.views import StrictQueryMixin
from core.principals import is_system
from institutions.models import Institution
from org.scope import Action


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"


def complaint_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the list, as `ComplaintSerializer` writes it (the fast path of issue 13;
    `complaints/tests/test_fastlist.py` compares the two). The institution's name is the
    register's when the case names one, else the one the complainant gave
    (`Complaint.institution_label`)."""
    uscc = row["case__institution__uscc"]
    return {
        "number": row["case__number"], "topic": row["topic__code"], "channel": row["channel"],
        "external_ticket": row["external_ticket"], "origin": row["origin"],
        "status": row["status"], "region": row["case__region__code"], "institution": uscc,
        "institution_name": row["case__institution__name"] if uscc is not None
        else row["institution_text"],
        "finding": row["finding"], "outcome": row["outcome"], "rating": row["rating"],
        "received_at": iso_datetime(row["received_at"]),
        "replied_at": iso_datetime(row["replied_at"]),
    }


class ComplaintViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Complaints in the caller's scope; missing and forbidden alike answer 404."""

    serializer_class = ComplaintSerializer
    list_values = ("id", "case__number", "topic__code", "channel", "external_ticket",
                   "origin", "status", "case__region__code", "case__institution__uscc",
                   "case__institution__name", "institution_text", "finding", "outcome",
                   "rating", "received_at", "replied_at")
    list_row = staticmethod(complaint_row)
    lookup_field = "number"
    lookup_url_kwarg = "number"
    required_scope = CLIENT_SCOPE

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.office_qs(self.request.user)

    def filter_queryset(self, queryset):  # type: ignore[no-untyped-def]
        """The list of a department that handles few complaints reads those first
        (`selectors.handled_only`): a filter call with their ids, part of the compiled
        list's key (`core.api.listcache`), so a new complaint task builds another."""
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            queryset = selectors.handled_only(self.request.user, queryset)
        return queryset

    def get_object(self):  # type: ignore[no-untyped-def]
        obj = self.get_queryset().filter(case__number=self.kwargs["number"]).first()
        if obj is None:
            raise Http404
        return obj


class HotlineTicketView(StrictQueryMixin, generics.GenericAPIView):
    """Receive a 12345 ticket and answer its complaint (200). Sending the same ticket
    again answers the first complaint and creates nothing."""

    serializer_class = HotlineTicketSerializer
    required_scope = CLIENT_SCOPE

    @extend_schema(request=HotlineTicketSerializer,
                   responses={200: ComplaintSerializer, 400: ErrorSerializer, 403: ErrorSerializer,
                              409: ErrorSerializer})
    def post(self, request: Request) -> Response:
        principal: Any = request.user
        if not is_system(principal):
            raise PermissionDenied(_("Only the 12345 system sends tickets here."))
        data = HotlineTicketSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        uscc = (v.get("institution_uscc") or "").strip().upper()
        # Through the gateway: an institution outside the client's regions is not one it
        # can name (the ticket is then filed by its region, as an unknown one is).
        institution = (Institution.objects.restrict(principal, Action.VIEW)
                       .filter(uscc=uscc).select_related("region").first() if uscc else None)
        region = v.get("region")
        if region is None and institution is None:
            region = principal.client.regions.order_by("path").first()
            if region is None:
                raise PermissionDenied(_("The client has no region."))
        place = institution.region if institution is not None else region
        if not any(place.path.startswith(p) for p in principal.region_paths):
            raise PermissionDenied(_("This region is outside the client's regions."))
        complaint, _code, created = services.complaint_submit(
            actor=None, via=principal, channel=Channel.HOTLINE_12345, topic=v["topic"],
            description=v["description"], institution=institution,
            institution_text=v.get("institution_name") or "", address=v.get("address") or "",
            region=region, complainant_name=v.get("complainant_name") or "",
            complainant_phone=v.get("complainant_phone") or "", external_ticket=v["ticket"])
        if not created and not any(complaint.case.region.path.startswith(p)
                                   for p in principal.region_paths):
            raise Conflict(_("This ticket number is taken."))
        return Response(ComplaintSerializer(complaint).data)




#: A month the analysis takes (complaints.selectors._month: 2000-01 to 2100-12); a plain
#: string in the schema let `?month_from=0` pass for valid input, refused with 400.
MONTH_SCHEMA = {"type": "string", "pattern": "^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$"}


class AnalyticsView(StrictQueryMixin, generics.GenericAPIView):
    """Counts by region, category, topic, channel, status, rating and month, the repeat
    counts, and the completion, on-time and satisfaction rates with the on-time rate per
    department (004 §6(2)1), over the complaints the user sees; filtered by a range of
    months (`month_from`, `month_to`: YYYY-MM) and a region of the user's area
    (`region`: its code). Bad filter values answer 400. For the analysts
    (complaints.analytics); others get 404."""

    serializer_class = AnalyticsSerializer
    user_only = True
    query_params_allowed = ("month_from", "month_to", "region")

    @extend_schema(
        parameters=[OpenApiParameter("month_from", MONTH_SCHEMA,
                                     description="First month, YYYY-MM"),
                    OpenApiParameter("month_to", MONTH_SCHEMA,
                                     description="Last month, YYYY-MM"),
                    OpenApiParameter("region", str, description="Region code")],
        responses={200: AnalyticsSerializer, 400: ErrorSerializer, 404: ErrorSerializer})
    def get(self, request: Request) -> Response:
        if not may(request.user, "complaints.analytics"):
            raise Http404
        filters, errors = selectors.parse_filter(request.user, request.query_params)
        if errors:
            raise ValidationError(errors)
        data = selectors.analytics(request.user, filters=filters)
        body = {key: data[key] for key in ("total", "closed", "completion_rate",
                                           "on_time_rate", "satisfaction_rate")}
        body.update(selectors.chart_rows(data))
        body["by_department"] = [
            {"department": r["department__name"], "closed": r["closed"],
             "on_time": r["on_time"], "rate": r["rate"]} for r in data["by_department"]]
        return Response(AnalyticsSerializer(body).data)
