"""The batch endpoints over HTTP: bad input is a 4xx with per-item, per-field errors."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from siyu.access.tests.clients import integration_client
from siyu.customers.models import Customer, Event, Order
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The demo brand creates ~30 staff logins; real password hashing would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(brand: Brand) -> Client:
    return integration_client("pos")


def post(client: Client, url: str, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data, content_type="application/json")


ORDER = {
    "identities": [
        {"type": "phone", "value": "139 1234 0001"},
        {"type": "taobao_buyer_id", "value": "tb_amin"},
    ],
    "platform": "taobao",
    "order_no": "TB-1",
    "paid_at": "2025-03-01T10:00:00+08:00",
    "total_fen": 5800,
    "paid_fen": 5000,
    "lines": [
        {
            "sku": "LATTE-L",
            "product_name": "拿铁 大杯",
            "quantity": 2,
            "unit_price_fen": 2900,
            "paid_fen": 5000,
        }
    ],
    "store": "上海静安店",
}


def test_orders_are_written_and_reported_per_item(client: Client) -> None:
    response = post(client, "/api/orders/batch", {"items": [ORDER]})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["applied"] == 1
    assert body["created"] == 1
    assert body["errors"] == []
    order = Order.objects.get()
    assert body["items"][0] == {
        "index": 0,
        "customer_id": order.customer_id,
        "id": order.pk,
        "created": True,
        "outcome": "created",
    }
    assert order.store is not None
    assert order.store.name == "上海静安店"
    assert order.lines.count() == 1


def test_sending_the_same_batch_twice_changes_nothing(client: Client) -> None:
    event = {
        "identities": [{"type": "phone", "value": "13912340001"}],
        "type": "coupon_used",
        "occurred_at": "2025-03-01T10:00:00Z",
        "idempotency_key": "pos-evt-77",
    }
    for _ in range(2):
        assert post(client, "/api/orders/batch", {"items": [ORDER]}).status_code == 200
        assert post(client, "/api/events/batch", {"items": [event]}).status_code == 200
    second = post(client, "/api/orders/batch", {"items": [ORDER]}).json()
    assert second["created"] == 0
    assert Order.objects.count() == 1
    assert Event.objects.count() == 1
    assert Customer.objects.count() == 1
    assert Event.objects.get().source == "api:pos"


def test_one_invalid_item_rejects_the_batch_with_its_field(client: Client) -> None:
    bad = {**ORDER, "order_no": "TB-2", "paid_fen": 9999}
    response = post(client, "/api/orders/batch", {"items": [ORDER, bad]})
    assert response.status_code == 422
    body = response.json()
    assert body["rejected"] == [1]
    assert body["errors"] == [
        {"index": 1, "field": "paid_fen", "message": "must not exceed total_fen"}
    ]
    assert "nothing was written" in body["detail"]
    assert Order.objects.count() == 0
    assert Customer.objects.count() == 0


def test_partial_mode_writes_good_items_and_lists_rejected_ones(client: Client) -> None:
    bad = {**ORDER, "order_no": "TB-2", "total_fen": "lots"}
    response = post(client, "/api/orders/batch", {"items": [bad, ORDER], "partial": True})
    assert response.status_code == 200
    body = response.json()
    assert body["applied"] == 1
    assert body["rejected"] == [0]
    assert body["errors"][0]["index"] == 0
    assert body["errors"][0]["field"] == "total_fen"
    assert Order.objects.get().order_no == "TB-1"


def test_profiles_endpoint_links_identities_and_sets_fields(client: Client) -> None:
    item = {
        "identities": [
            {"type": "wechat_unionid", "value": "u-amin"},
            {"type": "miniprogram_openid", "namespace": "wx123", "value": "o-amin"},
        ],
        "display_name": "阿敏",
        "phone": "13912340001",
        "lifecycle_stage": "active",
    }
    response = post(client, "/api/customers/batch", {"items": [item]})
    assert response.status_code == 200, response.json()
    customer = Customer.objects.get()
    assert customer.display_name == "阿敏"
    assert customer.lifecycle_stage == "active"
    assert customer.identities.count() == 3


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ("{not json", 400),
        (b"\xff\xfe", 400),
        ("[]", 422),
        ('"items"', 422),
        ("{}", 422),
        ('{"items": "many"}', 422),
        ('{"items": [], "partial": "perhaps"}', 422),
        ('{"items": null}', 422),
        ('{"items": [1, null, [], "x"]}', 422),
        ('{"items": [{}]}', 422),
        ('{"items": [{"identities": "13912340001"}]}', 422),
        ('{"items": [{"identities": [{"type": "phone", "value": 13912340001}]}]}', 422),
        ('{"items": [{"total_fen": 1e400}]}', 422),
    ],
)
@pytest.mark.parametrize("url", ["/api/customers/batch", "/api/events/batch", "/api/orders/batch"])
def test_malformed_input_is_a_4xx_with_a_message(
    client: Client, url: str, body: str, status: int
) -> None:
    response = post(client, url, body)
    assert response.status_code == status
    payload = response.json()
    assert payload["detail"]
    if status == 422:
        assert payload["errors"]
        assert all({"index", "field", "message"} <= set(e) for e in payload["errors"])
    assert Customer.objects.count() == 0


def test_missing_fields_are_each_named(client: Client) -> None:
    response = post(client, "/api/events/batch", {"items": [{"identities": []}]})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"type", "occurred_at"} <= fields


def test_more_than_ten_thousand_items_are_refused_clearly(client: Client) -> None:
    items = [{"type": "x"}] * 10_001
    response = post(client, "/api/events/batch", {"items": items})
    assert response.status_code == 422
    body = response.json()
    assert "10000" in body["detail"]
    assert body["errors"] == [{"index": -1, "field": "items", "message": body["detail"]}]


def test_a_body_over_the_upload_limit_is_a_413(client: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = post(client, "/api/orders/batch", {"items": [ORDER] * 10})
    assert response.status_code == 413
    assert "fewer items" in response.json()["detail"]


def test_the_batch_endpoint_query_count_does_not_depend_on_bad_item_count(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    items = [{**ORDER, "total_fen": -1}] * 500
    with django_assert_max_num_queries(5):
        response = post(client, "/api/orders/batch", {"items": items})
    assert response.status_code == 422
    assert len(response.json()["rejected"]) == 500
