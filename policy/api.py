from dataclasses import asdict
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiTypes, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.errors import ErrorSerializer
from core.api.views import StrictQueryMixin
from org.models import Region, RegionLevel
from policy.profile import active_profile


def profile_as_dict(county_code: str = "") -> dict[str, Any]:
    profile = active_profile()
    return {
        "code": profile.code,
        "name": profile.name,
        "name_en": profile.name_en,
        "source": profile.source,
        "supervised_categories": list(profile.supervised_categories),
        "supervisors": profile.supervisors,
        "preschool": profile.preschool,
        "zombie_combination": profile.zombie_combination,
        "matrix": [asdict(c) for c in profile.effective_cells(county_code)],
        "licence_approval": [asdict(a) for a in profile.approvals.values()],
        "complaint_routing": [asdict(r) for r in profile.routes],
        "rules": [{k: (str(v) if k == "value" and v is not None else v)
                   for k, v in asdict(r).items()} for r in profile.rules.values()],
    }


class ActiveProfileView(StrictQueryMixin, APIView):
    """The active policy profile: responsibility matrix, routing and rule parameters.
    `?county=<code>` applies that county's own split of duties (000 §3); a code of no
    county answers 404, as its duty page does."""

    required_scope = "policy:read"
    query_params_allowed = ("county",)

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 404: ErrorSerializer},
                   parameters=[OpenApiParameter(
                       "county", str, description=_("A county's region code: applies its "
                                                    "own split of duties."))])
    def get(self, request: Request) -> Response:
        county = request.query_params.get("county", "").strip()
        # A code of no county answered the city's split as if it were the county's.
        if county and not Region.objects.filter(code=county, level=RegionLevel.COUNTY).exists():
            raise NotFound(gettext("No county has this code."))
        return Response(profile_as_dict(county))
