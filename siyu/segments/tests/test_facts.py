"""The order facts equal what the orders say, after any mix of orders, refunds, merges and
unmerges, once the change feed has been read (random sequences, hypothesis; SQLite and
PostgreSQL alike)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.customers.merge import UnmergeOutOfOrder, merge_customers, unmerge
from siyu.customers.models import Customer, CustomerStatus, MergeRecord, Order
from siyu.customers.orders import OrderInput, RefundInput, import_order
from siyu.demo.brand import Brand
from siyu.segments.facts import facts_ready, fill_facts
from siyu.segments.feed import poll_changes
from siyu.segments.models import CustomerFacts
from siyu.segments.tests.factories import NOW, buy, make_customer

FIELDS = ("orders", "net_fen", "first_paid_at", "last_paid_at", "prev_paid_at")
NTH = ("paid_at_2", "paid_at_3", "paid_at_4", "paid_at_5")


def drain() -> None:
    while poll_changes() > 0:
        pass


def expected_facts() -> dict[int, dict[str, Any]]:
    """The reference: straight from the order rows, in Python."""
    per: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for cid, paid_at, paid, refunded in Order.objects.values_list(
        "customer_id", "paid_at", "paid_fen", "refunded_fen"
    ):
        per[cid].append((paid_at, paid - refunded))
    out = {}
    for cid, rows in per.items():
        times = sorted((t for t, _ in rows), reverse=True)
        earlier = [t for t in times if t < times[0]]
        out[cid] = {
            "orders": len(rows),
            "net_fen": sum(n for _, n in rows),
            "first_paid_at": times[-1],
            "last_paid_at": times[0],
            "prev_paid_at": earlier[0] if earlier else None,
            **{name: times[k] if len(times) > k else None for k, name in enumerate(NTH, 1)},
        }
    return out


def stored_facts() -> dict[int, dict[str, Any]]:
    return {
        row["customer_id"]: {k: v for k, v in row.items() if k != "customer_id"}
        for row in CustomerFacts.objects.values("customer_id", *FIELDS, *NTH)
    }


def _refund(order: Order) -> None:
    """Re-import the order with a refund of half of what is left (the refund path)."""
    left = order.paid_fen - order.refunded_fen
    if left < 2:
        return
    import_order(
        order.customer,
        OrderInput(
            platform=order.platform,
            order_no=order.order_no,
            paid_at=order.paid_at,
            total_fen=order.total_fen,
            paid_fen=order.paid_fen,
            refunds=(RefundInput(f"R{order.pk}-{left}", left // 2, order.paid_at),),
        ),
    )


def _apply(op: tuple[Any, ...], people: list[Customer]) -> None:
    kind = op[0]
    if kind == "buy":
        _, who, days, fen = op
        # Ties on purpose: several orders at the same moment.
        buy(Customer.objects.get(pk=people[who].pk), NOW - timedelta(days=days), fen)
    elif kind == "refund":
        order = Order.objects.order_by("-pk").first()
        if order is not None:
            _refund(order)
    elif kind == "merge":
        _, a, b = op
        survivor, merged = (Customer.objects.get(pk=people[i].pk) for i in (a, b))
        active = CustomerStatus.ACTIVE
        if a != b and survivor.status == active and merged.status == active:
            merge_customers(survivor, merged, reason="test")
    else:
        record = MergeRecord.objects.filter(undone_at__isnull=True).order_by("-pk").first()
        if record is not None:
            with contextlib.suppress(UnmergeOutOfOrder):
                unmerge(record)


ops = st.lists(
    st.one_of(
        st.tuples(
            st.just("buy"),
            st.integers(0, 3),
            st.sampled_from([0, 1, 1, 30, 200]),
            st.sampled_from([100, 5000]),
        ),
        st.tuples(st.just("refund")),
        st.tuples(st.just("merge"), st.integers(0, 3), st.integers(0, 3)),
        st.tuples(st.just("unmerge")),
    ),
    min_size=1,
    max_size=12,
)


def test_facts_follow_orders_refunds_merges_and_unmerges(brand: Brand) -> None:
    first = make_customer("起点")
    buy(first, NOW - timedelta(days=3), 1000)
    drain()  # the first poll fills the facts
    assert facts_ready()
    assert stored_facts() == expected_facts()

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ops)
    def check(sequence: list[tuple[Any, ...]]) -> None:
        people = [make_customer(f"事实{i}") for i in range(4)]
        for op in sequence:
            _apply(op, people)
        drain()
        assert stored_facts() == expected_facts(), sequence

    check()


def test_a_full_fill_writes_the_same_rows_as_the_feed(brand: Brand) -> None:
    people = [make_customer(f"重建{i}") for i in range(3)]
    for i, person in enumerate(people):
        for day in range(i * 3):
            buy(person, NOW - timedelta(days=day % 4), 1000 + day)
    drain()
    by_feed = stored_facts()
    CustomerFacts.objects.all().delete()
    fill_facts()
    assert stored_facts() == by_feed == expected_facts()


def test_the_periodic_sweep_makes_the_first_fill_of_a_quiet_brand(brand: Brand) -> None:
    from siyu.segments.tasks import refresh_all_segments

    buy(make_customer("安静"), NOW - timedelta(days=2), 3000)
    assert not facts_ready()
    refresh_all_segments.call()
    assert facts_ready()
    assert stored_facts() == expected_facts()
