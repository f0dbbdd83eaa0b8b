"""Every id / integer / date parameter of console and API, given huge, negative and garbage
values: a 4xx naming the parameter, never a 500 (SQLite raised OverflowError past 2**63-1)."""

from __future__ import annotations

import pytest
from django.test import Client

from siyu.access.tests.clients import integration_client
from siyu.console.tests.factories import login, make_customer
from siyu.demo.brand import Brand
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment

BIG = "99999999999999999999"
BAD = [BIG, "9223372036854775808", "-1", "abc", "1e5", "١٢", "9" * 60, "\x00", "2026-02-30"]
# (url, parameter, kind): the console answers 400 for a bad value.
CONSOLE = [
    ("/customers/", "tag", "id"),
    ("/customers/", "owner", "id"),
    ("/customers/", "before", "id"),
    ("/segments/{segment}/", "after", "id"),
    ("/analytics/", "org", "id"),
    ("/analytics/gmv/", "from", "date"),
    ("/analytics/channels/", "to", "date"),
    ("/analytics/cohorts/", "from", "date"),
    ("/analytics/clv/", "org", "id"),
    ("/analytics/lift/", "treatment", "id"),
    ("/analytics/lift/", "control", "id"),
]
PATHS = [
    "/customers/{id}/",
    "/segments/{id}/",
    "/segments/{id}/export.csv",
    "/imports/{id}/",
    "/imports/{id}/errors.csv",
]


@pytest.fixture
def admin(brand: Brand) -> Client:
    return login(Client(raise_request_exception=False), brand.lin_yue)


@pytest.fixture
def segment_id(brand: Brand) -> int:
    make_customer("张敏", owner=brand.chen_jing, lifecycle="new")
    rule = {"kind": "profile", "field": "lifecycle_stage", "values": ["new"]}
    segment = create_segment("new customers", rule)
    refresh_segment(segment.pk)
    return segment.pk


@pytest.mark.parametrize(
    "url",
    [
        f"/customers/?tag={BIG}",
        f"/customers/?owner={BIG}",
        f"/segments/{{segment}}/?after={BIG}",
    ],
)
def test_the_urls_of_the_report_are_400_naming_the_parameter(
    admin: Client, segment_id: int, url: str
) -> None:
    response = admin.get(url.format(segment=segment_id), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0]
    assert name in response.content.decode()


def test_the_api_cursor_past_bigint_is_refused_naming_it(db: None, segment_id: int) -> None:
    api = integration_client()
    response = api.get(f"/api/segments/{segment_id}/members?after=9223372036854775808")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["after"]


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(("url", "name", "kind"), CONSOLE)
def test_every_console_parameter_refuses_bad_values_with_400(
    admin: Client, segment_id: int, url: str, name: str, kind: str, value: str
) -> None:
    if kind == "date" and value == "-1":
        value = "-2026-01-01"
    response = admin.get(url.format(segment=segment_id), {name: value})
    assert response.status_code == 400, (url, name, value, response.status_code)


@pytest.mark.parametrize("value", [BIG, "9223372036854775808", "9223372036854775807"])
@pytest.mark.parametrize("url", PATHS)
def test_huge_path_ids_are_not_found(admin: Client, url: str, value: str) -> None:
    assert admin.get(url.format(id=value)).status_code == 404


@pytest.mark.parametrize("value", BAD)
@pytest.mark.parametrize(
    "query", ["segments/{segment}/members?after=", "segments/{segment}/members?limit="]
)
def test_every_api_parameter_refuses_bad_values(segment_id: int, query: str, value: str) -> None:
    api = integration_client()
    api.raise_request_exception = False
    response = api.get("/api/" + query.format(segment=segment_id) + value)
    assert response.status_code == 422, (query, value, response.status_code)


@pytest.mark.parametrize("value", [BIG, "9223372036854775808", "-1", "abc"])
def test_api_path_ids_out_of_range_are_refused(db: None, value: str) -> None:
    api = integration_client()
    api.raise_request_exception = False
    response = api.get(f"/api/segments/{value}/members")
    assert response.status_code in (404, 422), (value, response.status_code)
