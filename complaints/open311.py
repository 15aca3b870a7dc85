"""Open311 GeoReport v2 at /open311/v2/ (issue 10 "Intake"): services (from the topic
taxonomy), services/{code}, requests (POST and GET), requests/{id} and tokens/{token}, in
JSON and XML (`.json` or `.xml` after the resource; JSON without a suffix).

POST needs an `api_key`: the token of an API client holding complaints:write, whose
regions bound where it may file. The GET methods are public and show no complainant, no
description and no address: the status, the service, the responsible department and the
dates only (issue 10 "Privacy"). `expected_datetime` is the due date of the open lead
task (the deadline of the current hand-off). Errors answer `[{code, description}]`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from cases.models import TaskRole, TaskStatus
from complaints import services
from complaints.models import CLIENT_SCOPE, Channel, Complaint, ComplaintStatus, Topic
from core.errors import DomainError
from core.ratelimit import allow
from org.models import ApiClient, Region, RegionLevel

FORMATS = ("json", "xml")
#: GET requests answers at most this many, newest first (the spec's default window is 90
#: days and at most 1000 requests).
MAX_REQUESTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        self.status, self.description = status, description


def _split(resource: str) -> tuple[str, str]:
    """("services", "json") from "services.json"."""
    name, dot, fmt = resource.rpartition(".")
    if dot and fmt in FORMATS:
        return name, fmt
    return resource, "json"


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> str:
    top = ET.Element(root)
    for row in rows:
        node = ET.SubElement(top, item)
        _fill(node, row)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode")


def _fill(node: ET.Element, row: dict[str, Any]) -> None:
    for key, value in row.items():
        if value is None:
            continue
        child = ET.SubElement(node, key)
        if isinstance(value, list):
            singular = key[:-1] if key.endswith("s") else key
            for entry in value:
                _fill(ET.SubElement(child, singular), entry)
        elif isinstance(value, bool):
            child.text = "true" if value else "false"
        else:
            child.text = str(value)


def _respond(fmt: str, root: str, item: str, rows: list[dict[str, Any]],
             status: int = 200) -> HttpResponse:
    if fmt == "xml":
        return HttpResponse(_xml(root, item, rows), status=status,
                            content_type="application/xml; charset=utf-8")
    return JsonResponse(rows, safe=False, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _respond(fmt, "errors", "error", [{"code": status, "description": description}],
                    status=status)


def _guard(view: Any) -> Any:
    """Formats, the public page rate and the one error shape."""

    def wrapper(request: HttpRequest, resource: str, *args: Any) -> HttpResponse:
        name, fmt = _split(resource)
        allowed, _retry = allow(request, "page")
        if not allowed:
            return _error(fmt, 429, _("Too many requests"))
        try:
            return view(request, name, fmt, *args)
        except Open311Error as exc:
            return _error(fmt, exc.status, exc.description)
    wrapper.__name__ = view.__name__
    return csrf_exempt(wrapper)


def _service(topic: Topic) -> dict[str, Any]:
    return {"service_code": topic.code, "service_name": topic.name,
            "description": topic.name_en, "metadata": True, "type": "realtime",
            "keywords": topic.get_route_topic_display(), "group": "training"}


def _counties() -> list[Region]:
    return list(Region.objects.filter(level=RegionLevel.COUNTY).order_by("code"))


@_guard
def root_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """services.{format} and requests.{format}."""
    if name == "services":
        if request.method != "GET":
            raise Open311Error(405, _("Use GET."))
        return _respond(fmt, "services", "service",
                        [_service(t) for t in Topic.objects.filter(is_active=True)])
    if name == "requests":
        if request.method == "POST":
            return _post_request(request, fmt)
        if request.method != "GET":
            raise Open311Error(405, _("Use GET or POST."))
        return _get_requests(request, fmt)
    raise Open311Error(404, _("Not found."))


@_guard
def service_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """services/{service_code}.{format}: the attributes a request of the service takes."""
    if request.method != "GET":
        raise Open311Error(405, _("Use GET."))
    topic = Topic.objects.filter(code=name, is_active=True).first()
    if topic is None:
        raise Open311Error(404, _("No service has this code."))
    attributes = [
        {"variable": True, "code": "region", "datatype": "singlevaluelist", "required": True,
         "datatype_description": _("The district of the institution"), "order": 1,
         "description": _("District or street"),
         "values": [{"key": r.code, "name": r.name} for r in _counties()]},
        {"variable": True, "code": "institution", "datatype": "string", "required": False,
         "datatype_description": _("Name or unified social credit code"), "order": 2,
         "description": _("Institution (name or credit code)")},
    ]
    definition = {"service_code": topic.code, "attributes": attributes}
    if fmt == "xml":
        top = ET.Element("service_definition")
        _fill(top, definition)
        return HttpResponse('<?xml version="1.0" encoding="utf-8"?>\n' +
                            ET.tostring(top, encoding="unicode"),
                            content_type="application/xml; charset=utf-8")
    return JsonResponse(definition, json_dumps_params={"ensure_ascii": False})


def _w3(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _request_row(complaint: Complaint) -> dict[str, Any]:
    case = complaint.case
    lead = next((t for t in sorted(case.tasks.all(), key=lambda t: t.pk, reverse=True)
                 if t.role == TaskRole.LEAD), None)
    expected = None
    if lead is not None and lead.status == TaskStatus.OPEN:
        expected = timezone.make_aware(dt.datetime.combine(lead.due_date, dt.time(23, 59, 59)))
    closed = complaint.status in (ComplaintStatus.CLOSED, ComplaintStatus.MERGED)
    return {
        "service_request_id": case.number,
        "status": "closed" if closed else "open",
        "status_notes": str(complaint.get_status_display()),
        "service_name": complaint.topic.name,
        "service_code": complaint.topic.code,
        "agency_responsible": lead.department.name if lead is not None else None,
        "service_notice": None,
        "requested_datetime": _w3(complaint.received_at),
        "updated_datetime": _w3(case.updated_at),
        "expected_datetime": _w3(expected),
    }


def _requests_qs() -> Any:
    return Complaint.objects.select_related("case", "topic").prefetch_related(
        "case__tasks__department").order_by("-received_at", "-id")


def _parse_date(value: str, field: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Open311Error(400, _("%(field)s is not a w3 date and time.") % {"field": field})
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    qs = _requests_qs()
    params = request.GET
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(case__number__in=ids[:MAX_REQUESTS])
    else:
        end = _parse_date(params["end_date"], "end_date") if params.get("end_date") else \
            timezone.now()
        start = _parse_date(params["start_date"], "start_date") if params.get("start_date") \
            else end - dt.timedelta(days=DEFAULT_DAYS)
        qs = qs.filter(received_at__gte=start, received_at__lte=end)
        codes = [c for c in params.get("service_code", "").split(",") if c]
        if codes:
            qs = qs.filter(topic__code__in=codes)
        status = params.get("status", "")
        closed = [ComplaintStatus.CLOSED, ComplaintStatus.MERGED]
        if status == "open":
            qs = qs.exclude(status__in=closed)
        elif status == "closed":
            qs = qs.filter(status__in=closed)
        elif status:
            raise Open311Error(400, _("status is open or closed."))
    rows = [_request_row(c) for c in qs[:MAX_REQUESTS]]
    return _respond(fmt, "service_requests", "request", rows)


@_guard
def request_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, _("Use GET."))
    complaint = _requests_qs().filter(case__number=name).first()
    if complaint is None:
        raise Open311Error(404, _("No request has this id."))
    return _respond(fmt, "service_requests", "request", [_request_row(complaint)])


@_guard
def token_view(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    if request.method != "GET":
        raise Open311Error(405, _("Use GET."))
    complaint = Complaint.objects.select_related("case").filter(
        open311_token=name).exclude(open311_token="").first() if name else None
    if complaint is None:
        raise Open311Error(404, _("No request has this token."))
    return _respond(fmt, "service_requests", "request",
                    [{"service_request_id": complaint.case.number,
                      "token": complaint.open311_token}])


def _client(api_key: str) -> ApiClient:
    client = ApiClient.objects.prefetch_related("regions").filter(
        token_hash=ApiClient.hash_token(api_key), is_active=True).first() if api_key else None
    if client is None or CLIENT_SCOPE not in (client.scopes or []):
        raise Open311Error(403, _("A valid api_key is required."))
    return client


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    data = request.POST
    client = _client(data.get("api_key", ""))
    topic = Topic.objects.filter(code=data.get("service_code", ""), is_active=True).first()
    if topic is None:
        raise Open311Error(400, _("service_code is missing or unknown."))
    region = Region.objects.filter(code=data.get("attribute[region]", "")).first()
    if region is None:
        raise Open311Error(400, _("attribute[region] is missing or unknown."))
    paths = [r.path for r in client.regions.all()]
    if not any(region.path.startswith(p) for p in paths):
        raise Open311Error(403, _("This region is outside the client's regions."))
    from institutions.models import Institution

    text = data.get("attribute[institution]", "").strip()
    institution = Institution.objects.filter(uscc=text.upper()).first() if text else None
    name = " ".join(p for p in (data.get("last_name", ""), data.get("first_name", "")) if p)
    try:
        complaint, _code, _created = services.complaint_submit(
            actor=None, via=f"open311:{client.name}", channel=Channel.OPEN311, topic=topic,
            description=data.get("description", ""), institution=institution,
            institution_text="" if institution else (text or data.get("address_string", "")),
            address=data.get("address_string", "")[:200], region=region,
            complainant_name=name[:50], complainant_phone=data.get("phone", "")[:30])
    except DomainError as exc:
        raise Open311Error(400, f"{exc.field or 'request'}: {exc.message}")
    return _respond(fmt, "service_requests", "request", [{
        "service_request_id": complaint.case.number, "token": complaint.open311_token,
        "service_notice": _("Keep the id to follow the request."), "account_id": None}],
        status=201)
