"""The change feed: every customer write appends a change row in its own transaction, and
consumers read it with a leased cursor, at least once, in position order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from siyu.customers.changes import (
    Change,
    append_change,
    consume,
    prune_changes,
)
from siyu.customers.consent import record_consent
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer, unfollow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.models import ChangeKind, Customer, CustomerChange, FeedCursor
from siyu.customers.orders import OrderInput, RefundInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.customers.resolve_batch import build_graph, persist, plan
from siyu.customers.tagging import add_tag, ensure_tag, remove_tag
from siyu.customers.tests.factories import at, make_customer
from siyu.demo.brand import Brand


def kinds_since(mark: int, customer: Customer | None = None) -> list[str]:
    rows = CustomerChange.objects.filter(pk__gt=mark).order_by("pk")
    if customer is not None:
        rows = rows.filter(customer_id=customer.pk)
    return list(rows.values_list("kind", flat=True))


def mark() -> int:
    return CustomerChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@pytest.mark.django_db
def test_a_new_profile_and_its_fields_are_changes() -> None:
    start = mark()
    c = upsert_customer(
        [IdentityInput("wechat_unionid", "u-1")], fields={"region": "上海"}, source="test"
    )
    assert kinds_since(start, c) == [ChangeKind.IDENTITY, ChangeKind.PROFILE]
    row = CustomerChange.objects.get(customer_id=c.pk, kind=ChangeKind.PROFILE)
    assert row.data == {"fields": ["region"]}
    again = mark()
    upsert_customer([IdentityInput("wechat_unionid", "u-1")], fields={"region": "上海"}, source="t")
    assert kinds_since(again) == []  # nothing changed, nothing appended


@pytest.mark.django_db
def test_events_orders_refunds_tags_and_consent_are_changes() -> None:
    c = make_customer("u-2")
    start = mark()
    record_event(c, type="view", occurred_at=at(2026, 1, 1), idempotency_key="k1")
    record_event(c, type="view", occurred_at=at(2026, 1, 1), idempotency_key="k1")  # replay
    order = OrderInput("pos", "N1", at(2026, 1, 2), 1000, 1000)
    import_order(c, order)
    refund = RefundInput("R1", 300, at(2026, 1, 3))
    import_order(c, OrderInput("pos", "N1", at(2026, 1, 2), 1000, 1000, refunds=(refund,)))
    tag = ensure_tag("兴趣", "拿铁")
    add_tag(c, tag)
    add_tag(c, tag)  # already there
    remove_tag(c, tag)
    record_consent(
        c, purpose="marketing", granted=True, policy_version="v1", source="t", at=at(2026, 1, 4)
    )
    assert kinds_since(start, c) == [
        ChangeKind.EVENT,
        ChangeKind.ORDER,
        ChangeKind.REFUND,
        ChangeKind.TAG,
        ChangeKind.TAG,
        ChangeKind.CONSENT,
    ]
    event = CustomerChange.objects.filter(kind=ChangeKind.EVENT).last()
    assert event is not None
    assert event.data == {"type": "view"}


@pytest.mark.django_db
def test_follows_merges_and_unmerges_are_changes(brand: Brand) -> None:
    a, b = make_customer("u-3"), make_customer("u-4")
    start = mark()
    follow_customer(a, brand.wang_qiang)
    unfollow_customer(a, brand.wang_qiang)
    assert kinds_since(start, a) == [ChangeKind.FOLLOW, ChangeKind.FOLLOW]
    start = mark()
    record = merge_customers(a, b, reason="test")
    unmerge(record)
    rows = CustomerChange.objects.filter(pk__gt=start, kind=ChangeKind.MERGE)
    assert sorted(rows.values_list("customer_id", "data__undone")) == [
        (a.pk, False),
        (a.pk, True),
        (b.pk, False),
        (b.pk, True),
    ]


@pytest.mark.django_db
def test_a_rolled_back_write_leaves_no_change() -> None:
    c = make_customer("u-5")
    start = mark()
    tag = ensure_tag("兴趣", "摩卡")

    def tag_then_fail() -> None:
        with transaction.atomic():
            add_tag(c, tag)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        tag_then_fail()
    assert kinds_since(start) == []


@pytest.mark.django_db
def test_bulk_resolution_appends_a_change_per_new_profile() -> None:
    observations = [[IdentityInput("wechat_unionid", f"bulk-{i}")] for i in range(3)]
    history = datetime(2020, 1, 1, tzinfo=UTC)  # a brand's old data: not the write time
    persist(plan(build_graph(observations)), source="bulk", at=history)
    customers = set(Customer.objects.values_list("pk", flat=True))
    changed = set(CustomerChange.objects.values_list("customer_id", flat=True))
    assert len(customers) == 3
    assert changed == customers
    # Retention counts from when the change was written, or pruning would drop it unread.
    assert prune_changes() == 0


@pytest.mark.django_db
def test_a_consumer_gets_each_change_once_in_order_and_again_after_a_failure() -> None:
    for i in range(5):
        append_change(i + 1, ChangeKind.EVENT)
    seen: list[int] = []

    def failing(changes: Sequence[Change]) -> None:
        raise RuntimeError("handler broke")

    with pytest.raises(RuntimeError):
        consume("test", failing, limit=3)
    cursor = FeedCursor.objects.get(consumer="test")
    assert (cursor.position_id, cursor.leased_by) == (0, "")  # not advanced, lease let go

    def handler(changes: Sequence[Change]) -> None:
        seen.extend(c.customer_id for c in changes)

    assert consume("test", handler, limit=3) == 3
    assert consume("test", handler, limit=3) == 2
    assert consume("test", handler, limit=3) == 0
    assert seen == [1, 2, 3, 4, 5]


@pytest.mark.django_db
def test_a_leased_consumer_is_left_to_its_holder() -> None:
    append_change(1, ChangeKind.EVENT)
    FeedCursor.objects.create(
        consumer="busy", leased_by="other", leased_until=datetime.now(UTC) + timedelta(minutes=1)
    )
    assert consume("busy", lambda changes: None) == 0
    FeedCursor.objects.filter(consumer="busy").update(
        leased_until=datetime.now(UTC) - timedelta(seconds=1)
    )
    assert consume("busy", lambda changes: None) == 1  # an expired lease is taken over


@pytest.mark.django_db
def test_a_consumer_may_start_at_the_newest_change() -> None:
    append_change(1, ChangeKind.EVENT)
    seen: list[int] = []
    assert (
        consume("fresh", lambda ch: seen.extend(c.customer_id for c in ch), from_latest=True) == 0
    )
    append_change(2, ChangeKind.EVENT)
    assert consume("fresh", lambda ch: seen.extend(c.customer_id for c in ch)) == 1
    assert seen == [2]


@pytest.mark.django_db
def test_pruning_drops_only_changes_past_retention(settings: object) -> None:
    now = datetime.now(UTC)
    append_change(1, ChangeKind.EVENT, at=now - timedelta(days=8))
    append_change(2, ChangeKind.EVENT, at=now - timedelta(days=6))
    assert prune_changes(now) == 1
    assert list(CustomerChange.objects.values_list("customer_id", flat=True)) == [2]
