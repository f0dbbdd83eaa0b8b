"""Undoing merges of a chain: in reverse order, each undo exact.

A→S, later S→T, then "undo A→S" is refused with a message naming S→T; undoing S→T first
and then A→S gives every profile back exactly. Random merge/unmerge sequences keep that
property (runs on SQLite and, with DATABASE_URL, on PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.channels.models import Attribution
from siyu.channels.tests.factories import make_channel
from siyu.console.tests.factories import login
from siyu.customers.consent import record_consent
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer
from siyu.customers.merge import UnmergeOutOfOrder, merge_customers, unmerge
from siyu.customers.models import Customer, CustomerStatus, MergeRecord
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.customers.tests.factories import at, make_customer
from siyu.demo.brand import Brand

STAFF = ("chen.jing", "wang.qiang", "sales02")


def person(brand: Brand, n: int) -> Customer:
    """A profile with something in every table, some of it shared with the others so
    merges clash (the VIP tag, follows by the same staff, a first touch each)."""
    fields: dict[str, object] = {"display_name": f"顾客{n}"} if n % 2 else {"region": "上海"}
    if n == 1:
        fields["real_name"] = "张敏"
    c = make_customer(f"oChain{n}", **fields)
    if n % 3 == 0:
        Customer.objects.filter(pk=c.pk).update(needs_review=True)
    add_tag(c, ensure_tag("价值", "VIP"))
    add_tag(c, ensure_tag("兴趣", f"兴趣{n}"))
    record_event(c, type="page_view", occurred_at=at(2026, 3, n + 1), idempotency_key=f"ev{n}")
    import_order(c, OrderInput("taobao", f"TB{n}", at(2025, 6, n + 1), 5000, 5000))
    follow_customer(c, brand.staff[STAFF[n % len(STAFF)]], at=at(2025, 1, n + 1))
    record_consent(
        c,
        purpose="marketing",
        granted=bool(n % 2),
        policy_version="v1",
        source="t",
        at=at(2026, 1, 1),
    )
    channel = make_channel(f"渠道{n % 2}")
    Attribution.objects.create(customer=c, channel=channel, touched_at=at(2025, 1, 10 - n))
    c.refresh_from_db()
    return c


def snapshot(pk: int) -> dict[str, Any]:
    c = Customer.objects.get(pk=pk)
    return {
        "fields": (
            c.display_name,
            c.real_name,
            c.region,
            c.status,
            c.merged_into_id,
            c.primary_owner_id,
            c.org_unit_id,
            c.created_at,
            c.merge_count,
            c.needs_review,
        ),
        "identities": sorted(c.identities.values_list("pk", flat=True)),
        "tags": sorted(c.tag_links.values_list("pk", "tag_id", "created_at")),
        "events": sorted(c.events.values_list("pk", flat=True)),
        "orders": sorted(c.orders.values_list("pk", flat=True)),
        "follows": sorted(c.follows.values_list("pk", "staff_id", "created_at", "ended_at")),
        "consents": sorted(c.consents.values_list("pk", flat=True)),
        "attribution": sorted(
            Attribution.objects.filter(customer=c).values_list("pk", "channel_id", "touched_at")
        ),
    }


def _active(pk: int) -> Customer:
    return Customer.objects.get(pk=pk, status=CustomerStatus.ACTIVE)


@pytest.mark.django_db
def test_undo_of_a_chain_is_refused_out_of_order_and_exact_in_reverse(brand: Brand) -> None:
    a, s, t = (person(brand, n) for n in range(3))
    before = {c.pk: snapshot(c.pk) for c in (a, s, t)}
    first = merge_customers(_active(s.pk), _active(a.pk), reason="A→S")
    second = merge_customers(_active(t.pk), _active(s.pk), reason="S→T")

    with translation.override("en"), pytest.raises(UnmergeOutOfOrder) as refused:
        unmerge(first)
    assert refused.value.later == second
    assert f"Undo merge #{second.pk}" in str(refused.value)
    assert MergeRecord.objects.get(pk=first.pk).undone_at is None

    unmerge(second)
    unmerge(first)
    assert {c.pk: snapshot(c.pk) for c in (a, s, t)} == before


@pytest.mark.django_db
def test_a_later_merge_into_the_same_survivor_blocks_the_earlier_undo(brand: Brand) -> None:
    a, s, x = (person(brand, n) for n in range(3))
    first = merge_customers(_active(s.pk), _active(a.pk), reason="A→S")
    second = merge_customers(_active(s.pk), _active(x.pk), reason="X→S")
    with pytest.raises(UnmergeOutOfOrder):
        unmerge(first)
    unmerge(second)
    unmerge(first)
    assert _active(a.pk).merge_count == 0


@pytest.mark.django_db
def test_the_review_queue_says_which_merge_to_undo_first(client: Client, brand: Brand) -> None:
    a, s, t = (person(brand, n) for n in range(3))
    first = merge_customers(_active(s.pk), _active(a.pk), reason="A→S")
    second = merge_customers(_active(t.pk), _active(s.pk), reason="S→T")
    login(client, brand.lin_yue)
    page = client.post(f"/review/merges/{first.pk}/undo/", follow=True).content.decode()
    assert f"#{second.pk}" in page
    assert "撤销" in page  # Chinese by default
    assert MergeRecord.objects.get(pk=first.pk).undone_at is None


OPS = st.lists(
    st.tuples(st.sampled_from(["merge", "unmerge"]), st.integers(0, 3), st.integers(0, 3)),
    min_size=1,
    max_size=12,
)


def _try_merge(pks: list[int], i: int, j: int, before: dict[int, Any]) -> None:
    survivor, merged = Customer.objects.get(pk=pks[i]), Customer.objects.get(pk=pks[j])
    if i == j or CustomerStatus.MERGED in (survivor.status, merged.status):
        return
    shots = (snapshot(survivor.pk), snapshot(merged.pk))
    record = merge_customers(survivor, merged, reason="random")
    before[record.pk] = shots


def _try_unmerge(k: int, before: dict[int, Any]) -> None:
    open_records = list(MergeRecord.objects.filter(undone_at__isnull=True).order_by("pk"))
    if not open_records:
        return
    record = open_records[k % len(open_records)]
    blocking = [
        r
        for r in open_records
        if r.pk > record.pk and record.survivor_id in (r.survivor_id, r.merged_id)
    ]
    if blocking:
        with pytest.raises(UnmergeOutOfOrder) as refused:
            unmerge(record)
        assert refused.value.later == blocking[-1]
        return
    unmerge(record)
    assert (snapshot(record.survivor_id), snapshot(record.merged_id)) == before[record.pk]


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS)
def test_random_merge_and_unmerge_sequences_undo_exactly(
    brand: Brand, ops: list[tuple[str, int, int]]
) -> None:
    with transaction.atomic():
        pks = [person(brand, n).pk for n in range(4)]
        initial = {pk: snapshot(pk) for pk in pks}
        before: dict[int, Any] = {}
        for op, i, j in ops:
            if op == "merge":
                _try_merge(pks, i, j, before)
            else:
                _try_unmerge(i, before)
        for record in MergeRecord.objects.filter(undone_at__isnull=True).order_by("-pk"):
            unmerge(record)
        assert {pk: snapshot(pk) for pk in pks} == initial
        transaction.set_rollback(True)
