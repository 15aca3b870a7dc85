"""Open311 GeoReport v2 (issue 10 "Intake"): every method answers JSON valid against the
GeoReport v2 schemas below and the same content in XML. No package ships these schemas,
so they are written here from the specification (wiki.open311.org/GeoReport_v2: the
response fields of each method, their types and allowed values)."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import jsonschema
import pytest
from django.test import Client

from complaints.models import Channel, Complaint
from complaints.tests.helpers import submit
from org.models import ApiClient
from tests.factories import World
from tests.test_api import issue_client

pytestmark = pytest.mark.django_db

W3 = {"type": "string", "format": "date-time"}
ERRORS = {
    "type": "array", "minItems": 1,
    "items": {"type": "object", "required": ["code", "description"],
              "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}},
}
SERVICES = {
    "type": "array",
    "items": {
        "type": "object", "additionalProperties": False,
        "required": ["service_code", "service_name", "metadata", "type"],
        "properties": {
            "service_code": {"type": "string"}, "service_name": {"type": "string"},
            "description": {"type": "string"}, "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"}, "group": {"type": "string"},
        },
    },
}
SERVICE_DEFINITION = {
    "type": "object", "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {"type": "array", "items": {
            "type": "object", "additionalProperties": False,
            "required": ["variable", "code", "datatype", "required", "order", "description"],
            "properties": {
                "variable": {"type": "boolean"}, "code": {"type": "string"},
                "datatype": {"enum": ["string", "number", "datetime", "text",
                                      "singlevaluelist", "multivaluelist"]},
                "required": {"type": "boolean"}, "datatype_description": {"type": "string"},
                "order": {"type": "integer"}, "description": {"type": "string"},
                "values": {"type": "array", "items": {
                    "type": "object", "required": ["key", "name"],
                    "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}},
            }}},
    },
}
POST_RESPONSE = {
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {"type": "object", "additionalProperties": False,
              "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
              "properties": {"service_request_id": {"type": "string"},
                             "token": {"type": "string"},
                             "service_notice": {"type": ["string", "null"]},
                             "account_id": {"type": ["string", "null"]}}},
}
REQUESTS = {
    "type": "array",
    "items": {
        "type": "object", "additionalProperties": False,
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
        "properties": {
            "service_request_id": {"type": "string"},
            "status": {"enum": ["open", "closed"]},
            "status_notes": {"type": ["string", "null"]},
            "service_name": {"type": ["string", "null"]},
            "service_code": {"type": "string"},
            "description": {"type": ["string", "null"]},
            "agency_responsible": {"type": ["string", "null"]},
            "service_notice": {"type": ["string", "null"]},
            "requested_datetime": W3, "updated_datetime": {"type": ["string", "null"],
                                                           "format": "date-time"},
            "expected_datetime": {"type": ["string", "null"], "format": "date-time"},
            "address": {"type": ["string", "null"]}, "address_id": {"type": ["string", "null"]},
            "zipcode": {"type": ["string", "null"]}, "lat": {"type": ["number", "null"]},
            "long": {"type": ["number", "null"]}, "media_url": {"type": ["string", "null"]},
        },
    },
}
TOKENS = {
    "type": "array", "items": {"type": "object", "required": ["token"],
                               "properties": {"service_request_id": {"type": "string"},
                                              "token": {"type": "string"}}},
}
CHECKER = jsonschema.FormatChecker()


@CHECKER.checks("date-time", raises=ValueError)
def _w3_datetime(value: object) -> bool:
    """W3C date and time with a zone (the spec's format); without rfc3339-validator
    installed jsonschema would let any string pass."""
    import datetime as dt

    if not isinstance(value, str):
        return True
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


def valid(data, schema):  # type: ignore[no-untyped-def]
    jsonschema.validate(data, schema, format_checker=CHECKER)
    return data


def xml(response):  # type: ignore[no-untyped-def]
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def test_the_schemas_are_not_vacuous():
    with pytest.raises(jsonschema.ValidationError):
        valid([{"service_code": "x"}], SERVICES)
    with pytest.raises(jsonschema.ValidationError):
        valid([{"service_request_id": "1", "status": "pending", "service_code": "x",
                "requested_datetime": "2026-01-01T00:00:00+08:00"}], REQUESTS)
    with pytest.raises(jsonschema.ValidationError):
        valid([{"service_request_id": "1", "status": "open", "service_code": "x",
                "requested_datetime": "yesterday"}], REQUESTS)


def test_services_from_the_taxonomy(world: World):
    client = Client()
    data = valid(client.get("/open311/v2/services.json").json(), SERVICES)
    assert "disguised_academic" in {s["service_code"] for s in data}
    root = xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and len(root.findall("service")) == len(data)
    definition = valid(client.get("/open311/v2/services/refund.json").json(),
                       SERVICE_DEFINITION)
    region = next(a for a in definition["attributes"] if a["code"] == "region")
    assert {"key": world.a.region.code, "name": world.a.region.name} in region["values"]
    root = xml(client.get("/open311/v2/services/refund.xml"))
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key") is not None
    missing = client.get("/open311/v2/services/nope.json")
    assert missing.status_code == 404 and valid(missing.json(), ERRORS)


def _post(world, token, **extra):  # type: ignore[no-untyped-def]
    data = {"api_key": token, "service_code": "safety",
            "attribute[region]": world.a.region.code,
            "attribute[institution]": "某培训点", "address_string": "人民路8号",
            "description": "教室消防通道被杂物堵塞。", "phone": "13911112222",
            "first_name": "明", "last_name": "李", **extra}
    return Client().post("/open311/v2/requests.json", data)


def test_post_get_request_and_token(world: World):
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    response = _post(world, token)
    assert response.status_code == 201, response.content
    posted = valid(response.json(), POST_RESPONSE)[0]
    complaint = Complaint.objects.get()
    assert complaint.channel == Channel.OPEN311 and complaint.complainant_name == "李 明"
    number = posted["service_request_id"]
    one = valid(Client().get(f"/open311/v2/requests/{number}.json").json(), REQUESTS)
    assert one[0]["status"] == "open" and one[0]["expected_datetime"]
    assert "13911112222" not in str(one) and "消防通道" not in str(one)
    root = xml(Client().get(f"/open311/v2/requests/{number}.xml"))
    assert root.find("request/service_request_id").text == number
    tokens = valid(Client().get(f"/open311/v2/tokens/{posted['token']}.json").json(), TOKENS)
    assert tokens[0]["service_request_id"] == number
    assert xml(Client().get(f"/open311/v2/tokens/{posted['token']}.xml")).tag == \
        "service_requests"
    assert Client().get("/open311/v2/tokens/nope.json").status_code == 404


def test_get_requests_filters(world: World):
    submit(world, topic_code="refund")
    submit(world, topic_code="safety")
    client = Client()
    everything = valid(client.get("/open311/v2/requests.json").json(), REQUESTS)
    assert len(everything) == 2
    only = valid(client.get("/open311/v2/requests.json?service_code=refund").json(), REQUESTS)
    assert [r["service_code"] for r in only] == ["refund"]
    assert valid(client.get("/open311/v2/requests.json?status=closed").json(), REQUESTS) == []
    bad = client.get("/open311/v2/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and valid(bad.json(), ERRORS)
    assert len(xml(client.get("/open311/v2/requests.xml")).findall("request")) == 2


def test_post_refuses_without_key_or_outside_the_region(world: World):
    _c, token = issue_client(scopes=[ApiClient.Scopes.COMPLAINTS], regions=[world.a.region])
    no_key = _post(world, "")
    assert no_key.status_code == 403 and valid(no_key.json(), ERRORS)
    other = _post(world, token, **{"attribute[region]": world.b.region.code})
    assert other.status_code == 403
    short = _post(world, token, description="短")
    assert short.status_code == 400 and valid(short.json(), ERRORS)
    bad_xml = Client().post("/open311/v2/requests.xml", {"api_key": token,
                                                         "service_code": "nope"})
    assert bad_xml.status_code == 400 and xml(bad_xml).find("error/code").text == "400"
    assert not Complaint.objects.exists()


def test_get_requests_query_count_is_constant(world: World, query_budget):
    def grow(start: int, stop: int) -> None:
        for _i in range(start, stop):
            submit(world)

    query_budget(Client(), "/open311/v2/requests.json", grow, small=2, large=12, budget=6)
