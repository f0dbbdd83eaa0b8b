"""A year of invoices from before the installation, imported through the CSV import like a
migrating brand would, against figures computed independently here in plain Python.

About 80 customers and 300 invoices in 2023 (imported in 2026): some customers state an
acquisition time older than their first order, some never buy, some invoices are
cancelled (fully refunded) or partly refunded, and several fall just after midnight on a
month's first day (still the previous month in UTC)."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from siyu.analytics.activity import health
from siyu.analytics.cohorts import cohort_curves, month_offset
from siyu.analytics.gmv import GmvFactors, gmv_change, gmv_factors
from siyu.analytics.periods import Period
from siyu.analytics.warehouse import load_snapshot, month_factors, retention_matrix
from siyu.customers.models import Customer
from siyu.demo.brand import Brand
from siyu.imports.models import ImportStatus
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import
from siyu.segments.layering import as_of_moment, value_lifecycle_matrix
from siyu.segments.thresholds import Thresholds

pytestmark = pytest.mark.django_db
ZONE = ZoneInfo("Asia/Shanghai")
MONTHS = [date(2023, m, 1) for m in range(1, 13)]
END = date(2023, 12, 31)


@dataclass
class Invoice:
    no: str
    paid_at: datetime
    paid_fen: int
    refunds: list[tuple[str, int, datetime]] = field(default_factory=list)

    @property
    def net_fen(self) -> int:
        return self.paid_fen - sum(fen for _, fen, _ in self.refunds)


@dataclass
class Person:
    phone: str
    stated: datetime | None  # acquisition time given in the customer file
    invoices: list[Invoice] = field(default_factory=list)

    @property
    def acquired(self) -> datetime | None:
        """None: acquired at the import (2026), after the whole history."""
        times = [i.paid_at for i in self.invoices] + ([self.stated] if self.stated else [])
        return min(times) if times else None


def history(seed: int = 11) -> list[Person]:
    rng = random.Random(seed)
    people: list[Person] = []
    n = 0
    for k in range(80):
        person = Person(f"138{k:08d}", None)
        for _ in range(rng.choice([0, 1, 2, 3, 5, 8, 10])):
            n += 1
            day = date(2023, 1, 1) + timedelta(days=rng.randrange(365))
            hour, minute = rng.randrange(24), rng.randrange(60)
            if rng.random() < 0.1:  # just after midnight on the 1st: a month edge in UTC
                day, hour = day.replace(day=1), 0
            paid = datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)
            invoice = Invoice(f"INV{n:05d}", paid, rng.randrange(1000, 99999))
            roll = rng.random()
            if roll < 0.08:  # cancelled: refunded in full
                invoice.refunds.append((f"C{n}", invoice.paid_fen, paid + timedelta(days=1)))
            elif roll < 0.18:
                part = rng.randrange(1, invoice.paid_fen)
                invoice.refunds.append((f"R{n}", part, paid + timedelta(days=3)))
            person.invoices.append(invoice)
        if rng.random() < 0.35:  # a member since before the first order (or never bought)
            first = min((i.paid_at for i in person.invoices), default=None)
            base = first or datetime(2023, 6, 15, 12, tzinfo=ZONE)
            person.stated = base - timedelta(days=rng.randrange(0, 400), hours=rng.randrange(24))
        people.append(person)
    return people


def local(moment: datetime) -> str:
    return moment.astimezone(ZONE).strftime("%Y-%m-%d %H:%M")


def customer_csv(people: list[Person]) -> str:
    rows = ["phone,display_name,first_seen_at"]
    rows += [f"{p.phone},客{p.phone[-3:]},{local(p.stated) if p.stated else ''}" for p in people]
    return "\n".join(rows) + "\n"


def order_csv(people: list[Person]) -> str:
    head = "phone,platform,order_no,paid_at,paid_amount,total_amount,sku,product_name,quantity"
    rows = [head + ",unit_price,line_amount,refund_no,refund_amount,refunded_at"]
    for p in people:
        for i in p.invoices:
            yuan = f"{i.paid_fen / 100:.2f}"
            order = f"{p.phone},pos,{i.no},{local(i.paid_at)},{yuan},{yuan}"
            rows.append(f"{order},SKU1,豆子,1,{yuan},{yuan},,,")
            rows += [f"{order},,,,,,{no},{fen / 100:.2f},{local(at)}" for no, fen, at in i.refunds]
    return "\n".join(rows) + "\n"


def run_import(kind: str, text: str) -> None:
    job = start_import(kind, f"{kind}.csv", text.encode(), skip_invalid=False, user=None)
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, job.errors if hasattr(job, "errors") else job


@pytest.fixture
def imported(brand: Brand, settings: Any) -> list[Person]:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    people = history()
    assert 250 <= sum(len(p.invoices) for p in people) <= 400
    run_import("customers", customer_csv(people))
    run_import("orders", order_csv(people))
    return people


def month_of(moment: datetime) -> date:
    m = moment.astimezone(ZONE)
    return date(m.year, m.month, 1)


def next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def expected_factors(people: list[Person], first: date) -> GmvFactors:
    end = datetime(*next_month(first).timetuple()[:3], tzinfo=ZONE)
    users = sum(1 for p in people if p.acquired is not None and p.acquired < end)
    invoices = [(p.phone, i) for p in people for i in p.invoices if month_of(i.paid_at) == first]
    buyers = len({phone for phone, _ in invoices})
    return GmvFactors(users, buyers, len(invoices), sum(i.net_fen for _, i in invoices))


def month_period(first: date) -> Period:
    return Period(first, next_month(first))


def test_monthly_factors_and_their_change_match_plain_python(imported: list[Person]) -> None:
    everyone = Customer.objects.all()
    for first in MONTHS:
        assert gmv_factors(everyone, month_period(first)) == expected_factors(imported, first)
    for before, after in itertools.pairwise(MONTHS):
        change = gmv_change(everyone, month_period(after), month_period(before))
        assert change.explained
        assert sum(p.share_fen for p in change.parts) == change.change_fen
    march = expected_factors(imported, MONTHS[2])
    h = health(everyone, month_period(MONTHS[2]))
    assert h.paying_conversion == march.buyers / march.users


def expected_cohorts(people: list[Person], start_of: Any) -> dict[date, tuple[int, list[float]]]:
    members: dict[date, list[Person]] = defaultdict(list)
    for p in people:
        start = start_of(p)
        if start is not None and month_of(start) <= END:
            members[month_of(start)].append(p)
    out = {}
    for month, group in members.items():
        width = month_offset(month, END) + 1
        active = [
            sum(
                1
                for p in group
                if any(month_offset(month, month_of(i.paid_at)) == k for i in p.invoices)
            )
            for k in range(width)
        ]
        out[month] = (len(group), [a / len(group) for a in active])
    return out


def test_cohorts_by_acquisition_and_first_purchase_match(imported: list[Person]) -> None:
    everyone = Customer.objects.all()
    got = {c.month: (c.size, c.retention) for c in cohort_curves(everyone, until=END)}
    assert got == expected_cohorts(imported, lambda p: p.acquired)
    first = cohort_curves(everyone, until=END, basis="first_purchase")
    expected = expected_cohorts(
        imported, lambda p: min((i.paid_at for i in p.invoices), default=None)
    )
    assert {c.month: (c.size, c.retention) for c in first} == expected


def test_columnar_path_agrees_in_the_brand_zone(imported: list[Person]) -> None:
    snapshot = load_snapshot()
    nov, dec = 2023 * 12 + 10, 2023 * 12 + 11
    before, after = month_factors(snapshot, nov, dec)
    assert (before, after) == (
        expected_factors(imported, MONTHS[10]),
        expected_factors(imported, MONTHS[11]),
    )
    matrix = retention_matrix(snapshot)
    for month, (_, curve) in expected_cohorts(imported, lambda p: p.acquired).items():
        index = month.year * 12 + month.month - 1
        for k, share in enumerate(curve):
            assert matrix.get((index, k), 0.0) == share


def expected_stages(
    people: list[Person], t: Thresholds, now: datetime
) -> dict[tuple[str, str], int]:
    def cut(days: int) -> datetime:
        return now - timedelta(days=days)

    out: dict[tuple[str, str], int] = defaultdict(int)
    for p in people:
        paid = sorted(i.paid_at for i in p.invoices if i.paid_at < now)
        if not paid:
            continue
        net = sum(i.net_fen for i in p.invoices if i.paid_at < now)
        tier = (
            "high" if net >= t.value_high_fen else "medium" if net >= t.value_medium_fen else "low"
        )
        before_last = paid[-2] if len(paid) > 1 else None
        if paid[0] >= cut(t.new_days):
            stage = "new"
        elif paid[-1] >= cut(t.active_days) and before_last and before_last < cut(t.churn_days):
            stage = "won_back"
        elif paid[-1] >= cut(t.active_days):
            stage = "active"
        elif paid[-1] >= cut(t.churn_days):
            stage = "at_risk"
        else:
            stage = "churned"
        out[tier, stage] += 1
    return dict(out)


def test_value_lifecycle_as_of_the_histories_end_matches(imported: list[Person]) -> None:
    t = Thresholds()
    for day in (END, date(2023, 8, 31)):
        now = as_of_moment(day)
        cells = value_lifecycle_matrix(t, now)
        got = {(c.value_tier, c.stage): c.customers for c in cells if c.customers}
        assert got == expected_stages(imported, t, now)
    assert "active" in {stage for _, stage in expected_stages(imported, t, as_of_moment(END))}
