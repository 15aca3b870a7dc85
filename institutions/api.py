from drf_spectacular.utils import extend_schema
from rest_framework import generics, viewsets
from rest_framework.permissions import AllowAny

from core.api.throttling import ClientIpScopedRateThrottle
from core.api.views import StrictQueryMixin
from institutions import selectors
from institutions.filters import InstitutionFilter
from institutions.serializers import (
    InstitutionListSerializer,
    InstitutionSerializer,
    PublicInstitutionSerializer,
)
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
        self.kwargs["uscc"] = self.kwargs["uscc"].strip().upper()
        return super().get_object()


class InstitutionViewSet(StrictQueryMixin, viewsets.ReadOnlyModelViewSet):
    """Institutions in the caller's scope: token clients with institutions:read see
    their regions; institution staff only their own institution."""

    filterset_class = InstitutionFilter
    lookup_field = "uscc"
    required_scope = "institutions:read"

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.office_qs(self.request.user)

    def get_serializer_class(self):  # type: ignore[no-untyped-def]
        return InstitutionSerializer if self.action == "retrieve" else InstitutionListSerializer

    @extend_schema(responses=InstitutionListSerializer(many=True))
    def list(self, request, *args, **kwargs):  # type: ignore[no-untyped-def]
        return super().list(request, *args, **kwargs)


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
