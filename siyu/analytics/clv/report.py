"""Fit BG/NBD + Gamma-Gamma on a group of customers' orders and score each customer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.analytics.clv import bgnbd, gammagamma
from siyu.analytics.clv.summary import Summary, summarise
from siyu.analytics.clv.value import customer_lifetime_value
from siyu.customers.models import Customer, Order

MIN_CUSTOMERS = 30  # fewer buyers than this cannot pin four parameters down
EPOCH = date(2000, 1, 1)


@dataclass(frozen=True)
class ClvReport:
    bg: bgnbd.BgNbdParams
    gg: gammagamma.GammaGammaParams | None
    summary: Summary
    p_alive: np.ndarray
    expected_90d: np.ndarray
    clv_fen: np.ndarray | None


def load_summary(customers: QuerySet[Customer], until: date) -> Summary:
    rows = np.array(
        list(
            Order.objects.filter(customer__in=customers)
            .annotate(net=F("paid_fen") - F("refunded_fen"))
            .values_list("customer_id", "paid_at", "net")
            .iterator(chunk_size=10000)
        ),
        dtype=object,
    )
    if len(rows) == 0:
        raise ValueError(_("no orders to fit a lifetime value model on"))
    days = np.array(
        [(timezone.localtime(t).date() - EPOCH).days for t in rows[:, 1]], dtype=np.int64
    )
    return summary_of(rows[:, 0], days, rows[:, 2], until)


def summary_of(customer_id: np.ndarray, day: np.ndarray, net: np.ndarray, until: date) -> Summary:
    """Summaries from orders given as arrays: customer, local day (days since EPOCH), net."""
    return summarise(
        customer_id.astype(np.int64),
        day.astype(np.int64),
        net.astype(np.float64),
        end_day=(until - EPOCH).days,
    )


def clv_report(customers: QuerySet[Customer], until: date, *, months: int = 12) -> ClvReport:
    return report_of(load_summary(customers, until), months=months)


def report_of(summary: Summary, *, months: int = 12) -> ClvReport:
    """Fit both models on the summaries and score every customer."""
    if len(summary.x) < MIN_CUSTOMERS:
        raise ValueError(
            _("at least %(count)d buying customers are needed for CLV") % {"count": MIN_CUSTOMERS}
        )
    bg = bgnbd.fit(summary)
    gg = None
    # Gamma-Gamma needs repeat buyers and q > 1 (a finite mean); without them CLV is unknown.
    if np.count_nonzero(summary.x) >= MIN_CUSTOMERS:
        gg = gammagamma.fit(summary.x, summary.monetary)
    return scored(summary, bg, gg, months=months)


def scored(
    summary: Summary,
    bg: bgnbd.BgNbdParams,
    gg: gammagamma.GammaGammaParams | None,
    *,
    months: int = 12,
) -> ClvReport:
    """Every customer of ``summary`` scored with parameters fitted before (a second at a
    million customers; the fit itself takes a minute)."""
    alive = bgnbd.probability_alive(bg, summary.x, summary.t_x, summary.T)
    expected = bgnbd.expected_purchases(bg, 90 / 7, summary.x, summary.t_x, summary.T)
    clv = None
    if gg is not None and gg.q > 1:
        clv = customer_lifetime_value(bg, gg, summary, months=months)
    return ClvReport(bg, gg, summary, alive, expected, clv)


TOP = 50
ALIVE_BANDS = (0.0, 0.2, 0.5, 0.8, 1.01)


def outputs(report: ClvReport, *, top: int = TOP) -> dict[str, Any]:
    """What the CLV page shows: the ``top`` customers by CLV (by expected purchases when
    CLV is unknown) and the count of customers per P(alive) band; plain JSON values."""
    s = report.summary
    has_clv = report.clv_fen is not None
    rank = -report.clv_fen if report.clv_fen is not None else -report.expected_90d
    order = np.argsort(rank, kind="stable")[:top]
    rows = [
        [
            int(s.customer_id[i]),
            int(s.x[i]),
            float(report.p_alive[i]),
            float(report.expected_90d[i]),
            float(report.clv_fen[i]) if report.clv_fen is not None else None,
        ]
        for i in order
    ]
    bands = np.histogram(report.p_alive, bins=ALIVE_BANDS)[0]
    return {"top": rows, "bands": [int(n) for n in bands], "clv": has_clv}
