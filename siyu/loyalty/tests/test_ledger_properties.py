"""Hypothesis on the ledger: random sequences of awards, spends, refunds and time passing.

After every step: the balance is the sum of the active buckets and never negative; the
entries add up to what is live (active + pending); every refunded award has reversed
exactly its proportional share; running the expiry job again changes nothing. Merging
two random ledgers keeps the total, and unmerging keeps it too."""

from __future__ import annotations

import contextlib
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db.models import Sum
from hypothesis import given, settings
from hypothesis import strategies as st

from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.models import Customer
from siyu.loyalty.expire import activate_points, expire_points
from siyu.loyalty.ledger import InsufficientPoints, balance, pending, spend_points
from siyu.loyalty.models import BucketStatus, EntryKind, LedgerEntry, PointsBucket
from siyu.loyalty.reverse import kept_points, reverse_for_refund
from siyu.loyalty.tests.factories import T0, give, make_person

pytestmark = pytest.mark.django_db
_keys = itertools.count(1)

award = st.tuples(
    st.just("award"), st.integers(1, 500), st.integers(1, 60), st.integers(0, 10),
    st.integers(100, 100_000),
)  # fmt: skip
spend = st.tuples(st.just("spend"), st.integers(1, 400))
wait = st.tuples(st.just("wait"), st.integers(0, 40))
refund = st.tuples(st.just("refund"), st.integers(0, 20), st.integers(1, 100))
steps = st.lists(st.one_of(award, spend, wait, refund), min_size=1, max_size=25)


@dataclass
class World:
    customer_id: int
    now: datetime = T0
    orders: list[str] = field(default_factory=list)
    refunded: dict[str, int] = field(default_factory=dict)


def _live(customer_id: int, now: datetime) -> int:
    rows = PointsBucket.objects.filter(
        customer_id=customer_id, status=BucketStatus.ACTIVE, expires_at__gt=now
    )
    return int(rows.aggregate(n=Sum("remaining"))["n"] or 0)


def _run(world: World, step: tuple[Any, ...]) -> None:
    person = world.customer_id
    if step[0] == "award":
        _, points, days, pending_days, basis = step
        order = f"h{next(_keys)}"
        give(Customer(pk=person), int(str(points)), at=world.now, days=int(str(days)),
             pending=int(str(pending_days)), source="order", source_id=order,
             basis_fen=int(str(basis)))  # fmt: skip
        world.orders.append(order)
    elif step[0] == "spend":
        with contextlib.suppress(InsufficientPoints):
            spend_points(person, int(step[1]), key=f"k{next(_keys)}", at=world.now)
    elif step[0] == "wait":
        world.now += timedelta(days=int(step[1]))
        activate_points(world.now)
        expire_points(world.now)
        before = LedgerEntry.objects.filter(customer_id=person).count()
        assert expire_points(world.now) == 0  # idempotent: a second run finds nothing
        assert LedgerEntry.objects.filter(customer_id=person).count() == before
    elif world.orders:
        order = world.orders[int(step[1]) % len(world.orders)]
        bucket = PointsBucket.objects.get(source="order", source_id=order)
        cumulative = min(
            world.refunded.get(order, 0) + bucket.basis_fen * int(step[2]) // 100, bucket.basis_fen
        )
        world.refunded[order] = cumulative
        reverse_for_refund("order", order, cumulative, at=world.now)


def _check(world: World) -> None:
    person, now = world.customer_id, world.now
    assert balance(person, now) == _live(person, now) >= 0
    entries = LedgerEntry.objects.filter(customer_id=person).aggregate(n=Sum("points"))["n"] or 0
    assert entries == balance(person, now) + pending(person)
    for order, refunded in world.refunded.items():
        bucket = PointsBucket.objects.get(source="order", source_id=order)
        expected = bucket.points - kept_points(bucket.points, bucket.basis_fen, refunded)
        assert bucket.reversed == expected
        reversals = LedgerEntry.objects.filter(bucket=bucket, kind=EntryKind.REVERSE)
        taken = sum(-e.points + e.unrecovered for e in reversals)
        assert taken == expected


@settings(max_examples=20, deadline=None)
@given(steps)
def test_the_ledger_stays_consistent_through_any_sequence(plan: list[tuple[Any, ...]]) -> None:
    world = World(make_person().pk)
    for step in plan:
        _run(world, step)
        _check(world)


@settings(max_examples=12, deadline=None)
@given(steps, steps)
def test_a_merge_and_its_undo_keep_the_total(
    a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]
) -> None:
    first, second = World(make_person().pk), World(make_person().pk)
    for step in a:
        _run(first, step)
    second.now = first.now
    for step in b:
        _run(second, step)
    now = second.now
    expire_points(now)
    before = balance(first.customer_id, now) + balance(second.customer_id, now)
    survivor = Customer.objects.get(pk=first.customer_id)
    merged = Customer.objects.get(pk=second.customer_id)
    record = merge_customers(survivor, merged, reason="test")
    assert balance(first.customer_id, now) == before
    assert balance(second.customer_id, now) == 0
    unmerge(record)
    assert balance(first.customer_id, now) + balance(second.customer_id, now) == before
