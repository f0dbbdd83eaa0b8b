"""The summary at the top of the customer 360 page: spend, orders, rhythm, RFM layer,
lifecycle, predicted value and P(alive), channel, owner and acquisition time.

Everything about the customer is read from the customer's own rows (a handful of queries,
independent of how much history the brand has). What needs the whole population — the
BG/NBD + Gamma-Gamma fit and the quintile boundaries of RFM — is fitted once per process
and kept for ``POPULATION_TTL`` (``population()``), so a page view never scans the brand's
history except on the first view after it expires. That first view aggregates in the
database (a row per buyer) and fits the model on at most ``FIT_SAMPLE`` buyers, so it
costs seconds, not the minutes of reading every order at 10M orders.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, F, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.analytics.clv import bgnbd, gammagamma
from siyu.analytics.clv.report import EPOCH, MIN_CUSTOMERS
from siyu.analytics.clv.summary import summarise
from siyu.analytics.clv.value import customer_lifetime_value
from siyu.channels.models import Attribution
from siyu.customers.models import Customer, CustomerStatus, Order
from siyu.segments.channel import channel_links
from siyu.segments.layering import LAYERS, rfm_scores
from siyu.segments.thresholds import Thresholds, load_thresholds

POPULATION_TTL = 3600.0  # seconds
FIT_SAMPLE = 20_000  # buyers the value model is fitted on


@dataclass(frozen=True)
class Population:
    """Brand-wide facts the per-customer figures are measured against."""

    bg: bgnbd.BgNbdParams | None
    gg: gammagamma.GammaGammaParams | None
    # Why there is no model ("" when there is one): a key, put into words per request,
    # because the population is cached across requests in every language.
    problem: str
    last_paid: np.ndarray  # sorted, seconds since the epoch, one per buyer
    frequency: np.ndarray  # sorted
    monetary: np.ndarray  # sorted, fen
    fitted_at: float


@dataclass(frozen=True)
class Summary:
    net_spend_fen: int
    orders: int
    first_purchase: datetime | None
    last_purchase: datetime | None
    average_interval_days: float | None
    rfm_layer: str
    rfm_scores: tuple[int, int, int] | None
    p_alive: float | None
    predicted_value_fen: int | None
    model_problem: str
    channel: str
    first_touch_at: datetime | None
    first_touch_staff: str
    owner: str
    acquired_at: datetime | None
    days_since_last: int | None = None

    @property
    def net_spend_yuan(self) -> str:
        return f"{self.net_spend_fen / 100:,.2f}"

    @property
    def predicted_yuan(self) -> str:
        return f"{(self.predicted_value_fen or 0) / 100:,.2f}"

    @property
    def interval_shown(self) -> str:
        return f"{self.average_interval_days or 0:.0f}"

    @property
    def p_alive_percent(self) -> str:
        return f"{(self.p_alive or 0) * 100:.0f}"


_lock = threading.Lock()
_cache: dict[str, Population] = {}


def population(*, refresh: bool = False) -> Population:
    """The per-process population facts, fitted again after POPULATION_TTL."""
    with _lock:
        known = _cache.get("p")
        if refresh or known is None or time.monotonic() - known.fitted_at > POPULATION_TTL:
            known = _fit_population()
            _cache["p"] = known
        return known


def forget_population() -> None:
    with _lock:
        _cache.clear()


def _day(moment: datetime) -> int:
    return (timezone.localtime(moment).date() - EPOCH).days


def _order_rows(customers: Any) -> np.ndarray:
    rows = (
        Order.objects.filter(customer__in=customers)
        .annotate(net=F("paid_fen") - F("refunded_fen"))
        .values_list("customer_id", "paid_at", "net")
        .iterator(chunk_size=10000)
    )
    return np.array(list(rows), dtype=object).reshape(-1, 3)


def _buyer_rows() -> np.ndarray:
    """One row per active buyer: (customer id, last paid_at in epoch seconds, orders, net
    fen), aggregated by the database: a row per customer, not per order (10M orders at 1M
    customers would be minutes of Python and gigabytes)."""
    rows = (
        Order.objects.filter(customer__status=CustomerStatus.ACTIVE)
        .values("customer_id")
        .annotate(last=Max("paid_at"), n=Count("id"), net=Sum(F("paid_fen") - F("refunded_fen")))
        .order_by("customer_id")
        .values_list("customer_id", "last", "n", "net")
        .iterator(chunk_size=20000)
    )
    return np.array(
        [(c, last.timestamp(), n, net or 0) for c, last, n, net in rows], dtype=np.float64
    ).reshape(-1, 4)


def _fit_sample(cid: np.ndarray) -> np.ndarray:
    """Every k-th buyer (by id), at most FIT_SAMPLE: BG/NBD and Gamma-Gamma estimate four
    population parameters, which a sample of this size pins down as well as a million
    buyers do, at a fixed cost. A brand with fewer buyers is fitted on all of them."""
    step = max(1, -(-len(cid) // FIT_SAMPLE))
    return cid[::step]


def _fit_population() -> Population:
    buyers = _buyer_rows()
    empty = np.zeros(0)
    if len(buyers) == 0:
        return Population(None, None, "no_orders", empty, empty, empty, time.monotonic())
    cid = buyers[:, 0].astype(np.int64)
    last_paid, frequency, monetary = (np.sort(buyers[:, i]) for i in (1, 2, 3))
    sample = _fit_sample(cid)
    rows = _order_rows(Customer.objects.filter(pk__in=[int(c) for c in sample]))
    zone = timezone.get_current_timezone()
    days = np.array([(t.astimezone(zone).date() - EPOCH).days for t in rows[:, 1]], np.int64)
    summary = summarise(
        rows[:, 0].astype(np.int64),
        days,
        rows[:, 2].astype(np.float64),
        end_day=_day(timezone.now()),
    )
    bg, gg, problem = None, None, ""
    if len(summary.x) < MIN_CUSTOMERS:
        problem = "few_buyers"
    else:
        bg = bgnbd.fit(summary)
        if np.count_nonzero(summary.x) >= MIN_CUSTOMERS:
            gg = gammagamma.fit(summary.x, summary.monetary)
    return Population(bg, gg, problem, last_paid, frequency, monetary, time.monotonic())


def _problem_words(key: str) -> str:
    if key == "no_orders":
        return _("no orders yet")
    if key == "few_buyers":
        return _("fewer than %(n)d buying customers") % {"n": MIN_CUSTOMERS}
    return key


def _quintile(sorted_values: np.ndarray, value: float) -> int:
    """The score CUME_DIST gives in layering_sql: ties share the score."""
    share = np.searchsorted(sorted_values, value, side="right") / max(len(sorted_values), 1)
    return 1 + sum(int(share > edge + 1e-12) for edge in (0.2, 0.4, 0.6, 0.8))


def _layer_label(scores: tuple[int, int, int], high: int) -> str:
    r, f, m = scores
    return str(LAYERS[(int(r >= high), int(f >= high), int(m >= high))][1])


def _rfm(
    customer: Customer, t: Thresholds, now: datetime, last: datetime, orders: int, net: int
) -> tuple[int, int, int]:
    if t.rfm_mode == "fixed":
        found = rfm_scores(t, now, scope=Customer.objects.filter(pk=customer.pk))
        if found:
            return found[0].recency, found[0].frequency, found[0].monetary
    pop = population()
    return (
        _quintile(pop.last_paid, last.timestamp()),
        _quintile(pop.frequency, float(orders)),
        _quintile(pop.monetary, float(net)),
    )


def _value(
    rows: np.ndarray, customer_id: int, now: datetime
) -> tuple[float | None, int | None, str]:
    """(P(alive), predicted 12-month value in fen, why not) from the customer's own orders."""
    pop = population()
    if pop.bg is None:
        return None, None, _problem_words(pop.problem)
    days = np.array([_day(t) for t in rows[:, 1]], dtype=np.int64)
    own = summarise(
        np.full(len(rows), customer_id, dtype=np.int64),
        days,
        rows[:, 2].astype(np.float64),
        end_day=_day(now),
    )
    alive = float(bgnbd.probability_alive(pop.bg, own.x, own.t_x, own.T)[0])
    if pop.gg is None or pop.gg.q <= 1:
        return alive, None, _("too few repeat buyers to predict spend")
    value = customer_lifetime_value(pop.bg, pop.gg, own)
    return alive, round(float(value[0])), ""


def _channel(customer: Customer) -> tuple[str, datetime | None, str]:
    attribution = (
        Attribution.objects.filter(customer=customer).select_related("channel", "staff").first()
    )
    if attribution is not None:
        staff = attribution.staff.display_name if attribution.staff else ""
        return attribution.channel.name, attribution.touched_at, staff
    tags = channel_links().filter(customer=customer).values_list("tag__name", flat=True)
    return "、".join(tags), None, ""


def customer_summary(customer: Customer, now: datetime | None = None) -> Summary:
    now = now or timezone.now()
    rows = _order_rows(Customer.objects.filter(pk=customer.pk))
    n = len(rows)
    net = int(sum(rows[:, 2])) if n else 0
    moments: list[datetime] = list(rows[:, 1])
    first = min(moments) if moments else None
    last = max(moments) if moments else None
    interval = None
    if first is not None and last is not None and n > 1:
        interval = (last - first).total_seconds() / 86400 / (n - 1)
    scores, layer, alive, value = None, "", None, None
    problem = _("no orders yet")
    if n and last is not None:
        t = load_thresholds()
        scores = _rfm(customer, t, now, last, n, net)
        layer = _layer_label(scores, t.high_score)
        alive, value, problem = _value(rows, customer.pk, now)
    channel, touched_at, touch_staff = _channel(customer)
    owner = customer.primary_owner.display_name if customer.primary_owner else ""
    return Summary(
        net_spend_fen=net,
        orders=n,
        first_purchase=first,
        last_purchase=last,
        average_interval_days=interval,
        rfm_layer=layer,
        rfm_scores=scores,
        p_alive=alive,
        predicted_value_fen=value,
        model_problem=problem,
        channel=channel,
        first_touch_at=touched_at,
        first_touch_staff=touch_staff,
        owner=owner,
        acquired_at=customer.first_seen_at,
        days_since_last=(now - last).days if last is not None else None,
    )
