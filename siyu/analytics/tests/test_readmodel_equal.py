"""The read model gives the ORM reference's figures on random data: customers acquired
through channels and org units, orders, refunds added later, merges and unmerges, with
the read model built first and then refreshed incrementally from the change feed, on
DuckDB and on ClickHouse's engine (chdb), over SQLite or PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import astuple, dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import transaction
from django.db.models import QuerySet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.analytics import activity, channels, cohorts, gmv, lift
from siyu.analytics.clv.report import load_summary
from siyu.analytics.periods import Period
from siyu.analytics.readmodel import cohorts as rm_cohorts
from siyu.analytics.readmodel import health as rm_health
from siyu.analytics.readmodel import metrics as rm
from siyu.analytics.readmodel import scope as rm_scope
from siyu.analytics.readmodel.engines import DuckDBEngine, Engine
from siyu.analytics.readmodel.scope import Filter
from siyu.analytics.readmodel.sync import build, refresh
from siyu.analytics.tests.factories import customer, event, order
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.models import Customer, CustomerStatus, MergeRecord, Order
from siyu.customers.orders import OrderInput, RefundInput, import_order
from siyu.demo.brand import JINGAN, Brand

pytestmark = pytest.mark.django_db
START = date(2025, 1, 1)
CHANNELS = ["抖音", "小红书", None]
PERIODS = [
    Period(date(2025, 2, 1), date(2025, 3, 1)),
    Period(date(2025, 3, 10), date(2025, 5, 1)),
    Period(date(2025, 1, 1), date(2025, 7, 1)),
]


@pytest.fixture
def engine(read_model_engine: Engine) -> Engine:
    return read_model_engine


@dataclass(frozen=True)
class NewCustomer:
    day: int
    channel: int
    unit: int


@dataclass(frozen=True)
class NewOrder:
    who: int
    day: int
    yuan: int


@dataclass(frozen=True)
class LaterRefund:
    which: int
    share: int  # percent of the paid amount


@dataclass(frozen=True)
class Merge:
    survivor: int
    merged: int


@dataclass(frozen=True)
class Unmerge:
    pass


@dataclass(frozen=True)
class NewEvent:
    who: int
    day: int
    kind: str


OPS = st.one_of(
    st.builds(NewCustomer, st.integers(0, 150), st.integers(0, 2), st.integers(0, 2)),
    st.builds(NewOrder, st.integers(0, 30), st.integers(0, 180), st.integers(1, 500)),
    st.builds(NewOrder, st.integers(0, 30), st.integers(0, 180), st.integers(1, 500)),
    st.builds(LaterRefund, st.integers(0, 40), st.integers(1, 100)),
    st.builds(Merge, st.integers(0, 30), st.integers(0, 30)),
    st.just(Unmerge()),
    st.builds(
        NewEvent,
        st.integers(0, 30),
        st.integers(0, 180),
        st.sampled_from(["message_sent", "wecom_contact_deleted", "page_view"]),
    ),
)


def _active() -> list[Customer]:
    return list(Customer.objects.filter(status=CustomerStatus.ACTIVE).order_by("pk"))


def _refund_later(op: LaterRefund, n: int) -> None:
    orders = list(Order.objects.order_by("pk"))
    if not orders:
        return
    row = orders[op.which % len(orders)]
    amount = row.paid_fen * op.share // 100
    if row.refunded_fen + amount > row.paid_fen:
        return
    refund = RefundInput(f"later{n}", amount, row.paid_at + timedelta(days=1))
    import_order(
        row.customer,
        OrderInput(
            platform=row.platform,
            order_no=row.order_no,
            paid_at=row.paid_at,
            total_fen=row.total_fen,
            paid_fen=row.paid_fen,
            refunds=(refund,),
        ),
    )


def _merge_or_unmerge(op: Merge | Unmerge, people: list[Customer]) -> None:
    if isinstance(op, Unmerge):
        record = MergeRecord.objects.filter(undone_at__isnull=True).order_by("-pk").first()
        if record is not None:
            unmerge(record)
        return
    if len(people) >= 2:
        a, b = people[op.survivor % len(people)], people[op.merged % len(people)]
        if a.pk != b.pk:
            merge_customers(a, b, reason="test")


def _apply(op: object, brand: Brand, n: int) -> None:
    people = _active()
    units = [None, brand.stores[JINGAN], brand.stores["北京朝阳店"]]
    if isinstance(op, NewCustomer):
        day = START + timedelta(days=op.day)
        customer(f"c{n}", day, channel=CHANNELS[op.channel], unit=units[op.unit])
    elif isinstance(op, NewOrder) and people:
        order(people[op.who % len(people)], START + timedelta(days=op.day), op.yuan)
    elif isinstance(op, NewEvent) and people:
        event(people[op.who % len(people)], op.kind, START + timedelta(days=op.day))
    elif isinstance(op, LaterRefund):
        _refund_later(op, n)
    elif isinstance(op, Merge | Unmerge):
        _merge_or_unmerge(op, people)


def _assert_equal(engine: Engine) -> None:
    everyone = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    f = Filter(None)
    for period in PERIODS:
        assert rm.gmv_factors(engine, f, period) == gmv.gmv_factors(everyone, period)
        for dim in ("channel", "org_unit"):
            assert rm.gmv_factors_by(engine, f, period, dim) == gmv.gmv_factors_by(
                everyone, period, dim
            )
        ours = rm_health.health(engine, f, everyone, period)
        theirs = activity.health(everyone, period)
        assert ours.payment_cycle_days == pytest.approx(theirs.payment_cycle_days)
        assert ours == theirs.__class__(
            **{**theirs.__dict__, "payment_cycle_days": ours.payment_cycle_days}
        )
        ours_rows = lift.strata_rows(_strata(engine, f, period, lift.PRE_PERIOD_DAYS))
        assert Counter(map(repr, ours_rows)) == Counter(map(repr, lift._rows(everyone, period)))
        ours_w, theirs_w = _wecom_comparison(engine, f, period), _wecom_reference(everyone, period)
        assert len(ours_w) == len(theirs_w)
        for a, b in zip(ours_w, theirs_w, strict=True):
            assert a == (
                b if b is None or isinstance(b, str) else pytest.approx(b, rel=1e-12, abs=1e-6)
            )
        sizes, buyers, offsets = rm_cohorts.channel_counts(engine, f, period)
        assert channels.rows_from_counts(sizes, buyers, offsets, period, None) == (
            channels.channel_rows(everyone, period, None)
        )
    _assert_same_clv_input(engine, everyone)
    for basis in cohorts.BASES:
        for channel in ("抖音", None):
            until = date(2025, 7, 1)
            assert rm_cohorts.cohort_curves(
                engine, f, channel=channel, until=until, basis=basis
            ) == cohorts.cohort_curves(everyone, channel=channel, until=until, basis=basis)


def _wecom_comparison(engine: Engine, f: Filter, period: Period) -> tuple[Any, ...]:
    """The lift page's WeCom comparison on the read model's columns, flattened."""
    s = rm_cohorts.strata_columns(engine, f, period, lift.PRE_PERIOD_DAYS)
    try:
        return astuple(lift.compare_strata(s.month, s.channel, s.wecom, s.pre, s.post))
    except lift.EmptyGroup as exc:
        return (exc.group, exc.size)


def _wecom_reference(everyone: QuerySet[Customer], period: Period) -> tuple[Any, ...]:
    """The same on the ORM. Its rows come in no set order, so the sums may differ from the
    read model's in the last bits: compared to 12 digits."""
    try:
        return astuple(lift.compare_wecom_added(everyone, period))
    except lift.EmptyGroup as exc:
        return (exc.group, exc.size)


def _assert_same_clv_input(engine: Engine, everyone: QuerySet[Customer]) -> None:
    until = date(2025, 6, 1)
    if not Order.objects.filter(customer__in=everyone).exists():
        with pytest.raises(ValueError, match="没有可用于拟合"):  # "no orders to fit …"
            rm_cohorts.clv_summary(engine, Filter(None), until)
        return
    ours = rm_cohorts.clv_summary(engine, Filter(None), until)
    theirs = load_summary(everyone, until)
    for name in ("customer_id", "x", "t_x", "T", "monetary"):
        assert getattr(ours, name).tolist() == getattr(theirs, name).tolist()


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(before=st.lists(OPS, max_size=12), after=st.lists(OPS, min_size=1, max_size=12))
def test_the_read_model_equals_the_orm_reference_after_random_writes(
    brand: Brand, engine: Engine, before: list[object], after: list[object]
) -> None:
    with transaction.atomic():
        customer("seed", START, channel="抖音", unit=brand.stores[JINGAN])
        for n, op in enumerate(before):
            _apply(op, brand, n)
        state = build(engine)
        for n, op in enumerate(after, start=len(before)):
            _apply(op, brand, n)
        refresh(engine, state)
        _assert_equal(engine)
        transaction.set_rollback(True)


def test_a_refresh_follows_a_merge_and_its_undoing(brand: Brand) -> None:
    engine = DuckDBEngine()
    a = customer("a", date(2025, 1, 5), channel="抖音")
    b = customer("b", date(2025, 2, 5), channel="小红书")
    order(b, date(2025, 2, 10), 100)
    period = Period(date(2025, 2, 1), date(2025, 3, 1))
    state = build(engine)
    record = merge_customers(a, b, reason="test")
    state = refresh(engine, state)
    by_channel = rm.gmv_factors_by(engine, Filter(None), period, "channel")
    assert by_channel["抖音"].gmv_fen == 10000
    assert "小红书" not in by_channel
    unmerge(record)
    refresh(engine, state)
    by_channel = rm.gmv_factors_by(engine, Filter(None), period, "channel")
    assert by_channel["小红书"].gmv_fen == 10000
    assert by_channel["抖音"].gmv_fen == 0


def test_payment_cycle_counts_only_gaps_inside_the_lookback(brand: Brand, engine: Engine) -> None:
    """An order before the lookback year does not start a gap: the first order inside it
    has no previous one there, on the read model as on the reference. A customer's orders
    added after the build move their gaps too (each order knows its predecessor)."""
    period = Period(date(2026, 3, 1), date(2026, 4, 1))  # lookback from 2025-03-31
    a = customer("a", date(2024, 12, 1))
    order(a, date(2025, 3, 1), 100)  # before the lookback: no gap to 2025-06-08
    order(a, date(2025, 6, 8), 100)
    order(a, date(2025, 6, 18), 100)  # the one gap: 10 days
    b = customer("b", date(2025, 1, 1))
    order(b, date(2025, 5, 1), 100)
    state = build(engine)
    everyone = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    f = Filter(None)
    ours = rm.payment_cycle_days(engine, f, period, activity.PAYMENT_CYCLE_LOOKBACK_DAYS)
    assert ours == pytest.approx(activity.payment_cycle_days(everyone, period)) == 10
    order(b, date(2025, 4, 20), 100)  # before b's first: b's gap is 11 days
    order(a, date(2025, 6, 9), 100)  # splits a's gaps: 1 and 9 days
    refresh(engine, state)
    ours = rm.payment_cycle_days(engine, f, period, activity.PAYMENT_CYCLE_LOOKBACK_DAYS)
    assert ours == pytest.approx(activity.payment_cycle_days(everyone, period)) == 9


def _strata(engine: Engine, f: Filter, period: Period, pre_days: int) -> list[Any]:
    """lift.strata_rows input from the read model's columns, to compare with the
    reference's rows (the page itself computes on the columns)."""
    s = rm_cohorts.strata_columns(engine, f, period, pre_days)
    out = []
    for month, channel, wecom, pre, post in zip(
        s.month.tolist(),
        s.channel.tolist(),
        s.wecom.tolist(),
        s.pre.tolist(),
        s.post.tolist(),
        strict=True,
    ):
        m = rm_scope.month_date(month)
        out.append((f"{m.year:04d}-{m.month:02d}", s.channel_names[channel], wecom, pre, post))
    return out
