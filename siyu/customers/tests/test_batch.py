"""apply_batch without HTTP: the contract the API and the CSV importer rely on."""

from __future__ import annotations

from typing import Any

import pytest

from siyu.customers.batch import BATCH, MAX_ITEMS, apply_batch
from siyu.customers.models import Customer, Event, Identity, Order, Refund
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The demo brand creates ~30 staff logins; real password hashing would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def profile(identity_phone: str, **fields: Any) -> dict[str, Any]:
    return {"identities": [{"type": "phone", "value": identity_phone}], **fields}


def order(no: str, phone: str = "13912340001", **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "identities": [{"type": "phone", "value": phone}],
        "platform": "taobao",
        "order_no": no,
        "paid_at": "2025-03-01T10:00:00+08:00",
        "total_fen": 5800,
        "paid_fen": 5000,
        "lines": [
            {
                "sku": "LATTE-L",
                "product_name": "拿铁 大杯",
                "category": "咖啡",
                "quantity": 2,
                "unit_price_fen": 2900,
                "paid_fen": 5000,
            }
        ],
    }
    item.update(fields)
    return item


def event(key: str | None, phone: str = "13912340001", **fields: Any) -> dict[str, Any]:
    item: dict[str, Any] = {
        "identities": [{"type": "phone", "value": phone}],
        "type": "page_view",
        "occurred_at": "2025-03-01T10:00:00Z",
        "properties": {"page": "/menu"},
    }
    if key is not None:
        item["idempotency_key"] = key
    item.update(fields)
    return item


def test_valid_profiles_are_written_with_their_fields(brand: Brand) -> None:
    result = apply_batch(
        "customers",
        [
            profile(
                "13912340001",
                display_name="阿敏",
                gender="female",
                interests=["手冲"],
                org_unit="上海静安店",
                primary_owner="chen.jing",
            ),
            profile("13912340002", display_name="小李"),
        ],
        partial=False,
        source="test",
    )
    assert result.ok, result.errors
    assert len(result.applied) == 2
    first = Customer.objects.get(pk=result.applied[0].customer_id)
    assert first.display_name == "阿敏"
    assert first.gender == "female"
    assert first.interests == ["手冲"]
    assert first.org_unit == brand.stores["上海静安店"]
    assert first.primary_owner == brand.chen_jing


def test_one_bad_item_means_nothing_is_written(brand: Brand) -> None:
    items = [profile("13912340001"), profile("13912340002", gender="robot"), profile("12345")]
    result = apply_batch("customers", items, partial=False, source="test")
    assert not result.applied
    assert result.rejected == [1, 2]
    assert {(e.index, e.field) for e in result.errors} == {(1, "gender"), (2, "identities.0.value")}
    assert Customer.objects.count() == 0
    assert Identity.objects.count() == 0


def test_partial_mode_writes_the_good_items_and_reports_each_bad_one(brand: Brand) -> None:
    items = [
        order("A1"),
        order("A2", paid_fen=9000),
        order("A3"),
        {"platform": "jd"},
        "not an object",
    ]
    result = apply_batch("orders", items, partial=True, source="test")
    assert [r.index for r in result.applied] == [0, 2]
    assert result.rejected == [1, 3, 4]
    assert set(Order.objects.values_list("order_no", flat=True)) == {"A1", "A3"}
    by_index = {(e.index, e.field) for e in result.errors}
    assert (1, "paid_fen") in by_index
    assert {(3, "identities"), (3, "order_no"), (3, "paid_at")} <= by_index
    assert (4, "") in by_index


def test_the_same_orders_twice_store_one_order_each(brand: Brand) -> None:
    items = [
        order(
            "A1",
            refunds=[
                {"refund_no": "R1", "amount_fen": 1000, "refunded_at": "2025-03-02T00:00:00Z"}
            ],
        )
    ]
    first = apply_batch("orders", items, partial=False, source="test")
    second = apply_batch("orders", items, partial=False, source="test")
    assert first.applied[0].created is True
    assert second.applied[0].created is False
    assert Order.objects.count() == 1
    assert Refund.objects.count() == 1
    assert Order.objects.get().refunded_fen == 1000


def test_the_same_event_key_twice_records_one_event(brand: Brand) -> None:
    batch = [event("evt-1"), event("evt-1")]
    first = apply_batch("events", batch, partial=False, source="test")
    apply_batch("events", batch, partial=False, source="test")
    assert [r.created for r in first.applied] == [True, False]
    assert Event.objects.count() == 1


def test_events_without_a_key_are_deduplicated_by_content(brand: Brand) -> None:
    batch = [event(None), event(None, properties={"page": "/cart"})]
    apply_batch("events", batch, partial=False, source="test")
    apply_batch("events", batch, partial=False, source="test")
    assert Event.objects.count() == 2


def test_event_by_customer_id_goes_to_that_profile(brand: Brand) -> None:
    made = apply_batch("customers", [profile("13912340001")], partial=False, source="test")
    customer_id = made.applied[0].customer_id
    item = {"customer_id": customer_id, "type": "visit", "occurred_at": "2025-03-01T10:00:00Z"}
    result = apply_batch("events", [item], partial=False, source="test")
    assert result.ok
    assert Event.objects.get().customer_id == customer_id


def test_event_needs_exactly_one_way_to_find_the_customer(brand: Brand) -> None:
    neither = {"type": "visit", "occurred_at": "2025-03-01T10:00:00Z"}
    both = {**event("k"), "customer_id": 1}
    unknown = {"customer_id": 999999, "type": "visit", "occurred_at": "2025-03-01T10:00:00Z"}
    result = apply_batch("events", [neither, both, unknown], partial=True, source="test")
    assert result.rejected == [0, 1, 2]
    assert {(e.index, e.field) for e in result.errors} == {
        (0, "identities"),
        (1, "identities"),
        (2, "customer_id"),
    }


@pytest.mark.parametrize(
    ("fields", "path"),
    [
        ({"paid_fen": 6000}, "paid_fen"),
        ({"total_fen": -1}, "total_fen"),
        ({"total_fen": 58.5}, "total_fen"),
        ({"total_fen": True}, "total_fen"),
        ({"paid_at": "2025-03-01T10:00:00"}, "paid_at"),
        ({"paid_at": "0001-01-01T00:00:00+08:00"}, "paid_at"),
        ({"platform": "amazon"}, "platform"),
        ({"order_no": "x" * 65}, "order_no"),
        ({"order_no": "A\x001"}, "order_no"),
        ({"store": "火星店"}, "store"),
        ({"paid_fee": 1}, "paid_fee"),
        ({"identities": []}, "identities"),
        ({"identities": [{"type": "wechat_openid", "value": "o1"}]}, "identities.0.namespace"),
        ({"identities": [{"type": "fax", "value": "1"}]}, "identities.0.type"),
        ({"identities": [{"type": "phone", "value": "null"}]}, "identities"),
        (
            {
                "lines": [
                    {
                        "sku": "A",
                        "product_name": "B",
                        "quantity": 0,
                        "unit_price_fen": 1,
                        "paid_fen": 1,
                    }
                ]
            },
            "lines.0.quantity",
        ),
        (
            {
                "refunds": [
                    {"refund_no": "R", "amount_fen": 6000, "refunded_at": "2025-03-02T00:00:00Z"}
                ]
            },
            "refunds",
        ),
        (
            {
                "refunds": [
                    {"refund_no": "R", "amount_fen": 0, "refunded_at": "2025-03-02T00:00:00Z"}
                ]
            },
            "refunds.0.amount_fen",
        ),
    ],
)
def test_order_errors_name_the_field(brand: Brand, fields: dict[str, Any], path: str) -> None:
    result = apply_batch("orders", [order("A1", **fields)], partial=False, source="test")
    assert [e.field for e in result.errors] == [path], result.errors
    assert result.errors[0].index == 0
    assert result.errors[0].message
    assert Order.objects.count() == 0


def test_event_properties_postgres_cannot_store_are_refused(brand: Brand) -> None:
    items = [
        event("k1", properties={"a": "x\x00y"}),
        event("k2", properties={"a": float("nan")}),
        event("k3", properties={"big": "x" * 20_000}),
        event("k4", type="\ud800"),
    ]
    result = apply_batch("events", items, partial=True, source="test")
    assert result.rejected == [0, 1, 2, 3]
    assert Event.objects.count() == 0


def test_more_than_the_maximum_is_refused_before_any_validation(brand: Brand) -> None:
    result = apply_batch("events", [{}] * (MAX_ITEMS + 1), partial=True, source="test")
    assert not result.applied
    assert len(result.errors) == 1
    assert result.errors[0].index == BATCH
    assert "10000" in result.errors[0].message


def test_profile_phone_field_is_checked_like_an_identifier(brand: Brand) -> None:
    result = apply_batch(
        "customers", [profile("13912340001", phone="12")], partial=False, source="test"
    )
    assert [(e.index, e.field) for e in result.errors] == [(0, "phone")]


def test_a_verb_refusal_rolls_back_the_whole_batch(brand: Brand) -> None:
    apply_batch("orders", [order("A1", paid_fen=1000, total_fen=1000)], partial=False, source="t")
    # A new refund larger than what the stored order was paid passes the item's own checks
    # (its paid_fen says 5000) but the verb refuses it against the stored order.
    refund = {"refund_no": "R9", "amount_fen": 4000, "refunded_at": "2025-03-02T00:00:00Z"}
    items = [order("B1"), order("A1", refunds=[refund])]
    result = apply_batch("orders", items, partial=False, source="test")
    assert result.rejected == [1]
    assert not result.applied
    assert not Order.objects.filter(order_no="B1").exists()

    partial = apply_batch("orders", items, partial=True, source="test")
    assert [r.index for r in partial.applied] == [0]
    assert partial.rejected == [1]
    assert Order.objects.filter(order_no="B1").exists()


def test_known_identifiers_seen_together_for_the_first_time_still_merge(brand: Brand) -> None:
    apply_batch(
        "customers", [profile("13912340001"), profile("13912340002")], partial=False, source="t"
    )
    both = event(
        "k",
        identities=[
            {"type": "phone", "value": "13912340001"},
            {"type": "phone", "value": "13912340002"},
            {"type": "app_user_id", "value": "u1"},
        ],
    )
    again = event("k2", identities=[{"type": "phone", "value": "13912340002"}])
    result = apply_batch("events", [both, again], partial=False, source="t")
    assert result.ok
    assert result.applied[0].customer_id == result.applied[1].customer_id
    assert Customer.objects.filter(status="active").count() == 1
