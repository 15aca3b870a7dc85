from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.fastlist import FastListMixin, iso_date, iso_datetime
from core.api.parsers import JSONParser
from core.api.throttling import ClientIpScopedRateThrottle
from core.api.views import StrictQueryMixin
from core.vocab import Category
from institutions import selectors
from institutions.filters import InstitutionFilter
from institutions.serializers import (
    BulkLookupResultSerializer,
    BulkLookupSerializer,
    InstitutionListSerializer,
    InstitutionSerializer,
    PublicBlackListEntrySerializer,
    PublicInstitutionSerializer,
    PublicListEntrySerializer,
)
from institutions.uscc import normalise
from org.feed import ChangeFeedView, feed_schema


class PublicStatusView(StrictQueryMixin, generics.RetrieveAPIView):
    """The public status of an institution by unified social credit code. No token;
    throttled per IP."""

    serializer_class = PublicInstitutionSerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientIpScopedRateThrottle]
    throttle_scope = "public"
    lookup_field = "uscc"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.public_qs(self.request.user)

    def get_object(self):  # type: ignore[no-untyped-def]
        self.kwargs["uscc"] = normalise(self.kwargs["uscc"])
        return super().get_object()


def institution_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of the list, as `InstitutionListSerializer` writes it (the fast path of
    issue 13; `institutions/tests/test_fastlist.py` compares the two)."""
    dept = row["supervising_department__name"]
    return {
        "uscc": row["uscc"], "name": row["name"], "category": row["category"],
        "nature": row["nature"], "status": row["status"],
        "licence_number": row["licence_number"],
        "licence_valid_until": iso_date(row["licence_valid_until"]),
        "list_status": row["list_status"], "list_reason": row["list_reason"],
        "region": row["region__code"], "region_name": row["region__name"],
        "supervising_department": dept,
        "complaint_phone": (row["supervising_department__complaint_phone"]
                            or row["supervising_department__consultation_phone"])
        if dept is not None else "",
        "legal_representative": row["legal_representative"], "address": row["address"],
        "converted_from_academic": row["converted_from_academic"],
        "updated_at": iso_datetime(row["updated_at"]),
    }


class InstitutionViewSet(StrictQueryMixin, FastListMixin, viewsets.ReadOnlyModelViewSet):
    """Institutions in the caller's scope: token clients with institutions:read see
    their regions; institution staff only their own institution."""

    filterset_class = InstitutionFilter
    lookup_field = "uscc"
    required_scope = "institutions:read"
    list_values = ("id", "uscc", "name", "category", "nature", "status", "licence_number",
                   "licence_valid_until", "list_status", "list_reason", "region__code",
                   "region__name", "supervising_department__name",
                   "supervising_department__complaint_phone",
                   "supervising_department__consultation_phone", "legal_representative",
                   "address", "converted_from_academic", "updated_at")
    list_row = staticmethod(institution_row)

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.office_qs(self.request.user)

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return InstitutionSerializer if self.action == "retrieve" else InstitutionListSerializer

    @extend_schema(responses=InstitutionListSerializer(many=True))
    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)

    @extend_schema(request=BulkLookupSerializer, responses=BulkLookupResultSerializer)
    @action(detail=False, methods=["post"], url_path="lookup", parser_classes=[JSONParser])
    def lookup(self, request: Request) -> Response:
        """Up to 200 institutions by credit code in one call (issue 13); codes outside
        the caller's scope are `missing`, as codes that do not exist are."""
        form = BulkLookupSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        codes = list(dict.fromkeys(form.validated_data["uscc"]))
        found = {i.uscc: i for i in self.get_queryset().filter(uscc__in=codes)}
        return Response({
            "results": InstitutionListSerializer([found[c] for c in codes if c in found],
                                                 many=True).data,
            "missing": [c for c in codes if c not in found]})


@feed_schema(InstitutionListSerializer, "institution")
class InstitutionChangeFeed(ChangeFeedView):
    """Institutions of the caller's scope that changed after `since`, oldest first, with
    tombstones of institutions that left its regions."""

    feed_kind = "institution"
    key_field = "uscc"
    serializer_class = InstitutionListSerializer
    required_scope = "institutions:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.office_qs(self.request.user)


class PublicListView(StrictQueryMixin, generics.ListAPIView):
    """A published list (004 §6(4)), with no token, throttled per IP; filters: `county`
    (a county code), `category`, and on the white list `relicensed` (re-approved)."""

    serializer_class = PublicListEntrySerializer
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [ClientIpScopedRateThrottle]
    throttle_scope = "public"
    query_params_allowed = ("county", "category")

    def filters(self) -> dict[str, Any]:
        params = self.request.query_params
        errors: dict[str, list[str]] = {}
        county = params.get("county", "").strip()
        if county and not (county.isascii() and county.isdigit() and len(county) <= 20):
            errors["county"] = [_("Give a county code (digits).")]
        category = params.get("category", "").strip()
        if category and category not in Category.values:
            errors["category"] = [_("Choose one of: %(values)s.") % {
                "values": ", ".join(Category.values)}]
        relicensed = params.get("relicensed", "").strip().lower()
        if relicensed not in ("", "true", "false"):
            errors["relicensed"] = [_("Give true or false.")]
        if errors:
            raise ValidationError(errors)
        return {"county": county, "category": category, "relicensed": relicensed == "true"}


@extend_schema(parameters=[
    OpenApiParameter("county", {"type": "string", "pattern": "^[0-9]{1,20}$"},
                     description="County code: only that county's list (empty if none)"),
    OpenApiParameter("category", str, enum=Category.values),
    OpenApiParameter("relicensed", bool, description="Only re-approved institutions")])
class PublicWhiteListView(PublicListView):
    query_params_allowed = ("county", "category", "relicensed")

    def get_queryset(self):  # type: ignore[no-untyped-def]
        f = self.filters()
        qs = selectors.white_list(self.request.user, county=f["county"],
                                  relicensed=f["relicensed"])
        return qs.filter(category=f["category"]) if f["category"] else qs


@extend_schema(parameters=[
    OpenApiParameter("county", {"type": "string", "pattern": "^[0-9]{1,20}$"},
                     description="County code: only that county's list (empty if none)"),
    OpenApiParameter("category", str, enum=Category.values)])
class PublicBlackListView(PublicListView):
    serializer_class = PublicBlackListEntrySerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        f = self.filters()
        qs = selectors.black_list(self.request.user, county=f["county"])
        return qs.filter(category=f["category"]) if f["category"] else qs
