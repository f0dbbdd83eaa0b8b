"""Scopes per key, enforced on every API operation; lookups and exports audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from siyu.access.auth import operation_scope
from siyu.access.models import Scope
from siyu.access.tests.clients import integration_client
from siyu.access.tests.operations import api_operations
from siyu.core.models import AuditLog
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.profiles import upsert_customer
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment

pytestmark = pytest.mark.django_db

# Called by the mini-program on the customer's phone, which cannot keep a secret.
# The member centre's privacy requests are the customer's own: her member reference is
# the credential (siyu/privacy/api.py).
KEYLESS = {
    "/miniprogram/login",
    "/member/privacy/requests",
    "/member/privacy/requests/{request_id}/archive",
}
# The member centre: the member's own device, identified by the member reference
# (siyu/customers/member_ref.py), never by an integration key.
MEMBER_PREFIX = "/member/"
CALLS: list[tuple[str, str, Scope]] = [
    ("post", "/api/customers/batch", Scope.INGEST_PROFILES),
    ("post", "/api/events/batch", Scope.INGEST_EVENTS),
    ("post", "/api/orders/batch", Scope.INGEST_ORDERS),
    ("get", "/api/customers/lookup?type=phone&value=13912345678", Scope.LOOKUP),
    ("get", "/api/segments", Scope.SEGMENTS_READ),
    ("post", "/api/segments/count", Scope.SEGMENTS_READ),
    ("get", "/api/segments/1/members", Scope.SEGMENTS_READ),
    ("get", "/api/layering/rfm", Scope.SEGMENTS_READ),
    ("get", "/api/layering/matrix", Scope.SEGMENTS_READ),
    ("get", "/api/layering/pareto", Scope.SEGMENTS_READ),
]
BODY: dict[str, Any] = {
    "items": [],
    "rule": {"kind": "profile", "field": "gender", "values": ["female"]},
}


def test_every_operation_names_exactly_one_scope_or_is_knowingly_keyless() -> None:
    operations = api_operations()
    assert len(operations) >= len(CALLS) + len(KEYLESS)
    for path, op in operations:
        if path in KEYLESS:
            assert not op.auth_callbacks, path
        elif path.startswith(MEMBER_PREFIX):
            # The member's own device: no integration key scope, whatever its auth.
            assert operation_scope(op.auth_callbacks) is None, path
        else:
            assert operation_scope(op.auth_callbacks) in Scope.values, path


def test_the_table_below_covers_every_keyed_operation() -> None:
    keyed = {
        path
        for path, _op in api_operations()
        if path not in KEYLESS and not path.startswith(MEMBER_PREFIX)
    }
    assert {
        url.removeprefix("/api").split("?")[0].replace("/1/", "/{segment_id}/")
        for _m, url, _s in CALLS
    } == keyed


def _call(client: Client, method: str, url: str) -> Any:
    return (
        getattr(client, method)(url, BODY, content_type="application/json")
        if method == "post"
        else client.get(url)
    )


@pytest.mark.parametrize(("method", "url", "scope"), CALLS)
def test_a_key_without_the_scope_is_refused_with_403(method: str, url: str, scope: Scope) -> None:
    others = [s for s in Scope.values if s != scope]
    response = _call(integration_client("narrow", scopes=others), method, url)
    assert response.status_code == 403
    assert scope.value in response.json()["detail"]


@pytest.mark.parametrize(("method", "url", "scope"), CALLS)
def test_a_key_with_only_the_scope_gets_through(method: str, url: str, scope: Scope) -> None:
    response = _call(integration_client("exact", scopes=[scope.value]), method, url)
    assert response.status_code not in (401, 403)


def _customer(phone: str) -> int:
    return upsert_customer(
        [IdentityInput("phone", phone)], fields={"gender": "female"}, source="t"
    ).pk


def test_lookups_are_audited_with_the_key_found_or_not_never_with_the_value() -> None:
    pk = _customer("13912345678")
    client = integration_client("till-7", scopes=["customers:lookup"])
    assert (
        client.get("/api/customers/lookup", {"type": "phone", "value": "13912345678"}).status_code
        == 200
    )
    assert (
        client.get("/api/customers/lookup", {"type": "phone", "value": "13987654329"}).status_code
        == 404
    )
    audits = list(AuditLog.objects.filter(action="api.lookup").order_by("pk"))
    assert [(a.target_type, a.target_id, a.detail["status"]) for a in audits] == [
        ("customer", str(pk), 200),
        ("identity", "phone", 404),
    ]
    assert all(a.detail["api_key"] == "till-7" for a in audits)
    assert "139876" not in str([a.detail for a in audits])


def test_segment_member_pages_are_audited_as_exports() -> None:
    _customer("13912345671")
    segment = create_segment("女性", BODY["rule"])
    refresh_segment(segment.pk)
    client = integration_client("bi", scopes=["segments:read"])
    assert client.get(f"/api/segments/{segment.pk}/members").json()["customer_ids"]
    audit = AuditLog.objects.get(action="api.segment_members")
    assert (audit.target_id, audit.detail) == (str(segment.pk), {"api_key": "bi", "rows": 1})
