"""Cohort curves (cohorts.py), channel economics (channels.py), the CLV models' input
(clv/report.py) and the lift strata (lift.py) on the read model."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

import numpy as np
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from siyu.analytics.clv.summary import Summary
from siyu.analytics.cohorts import Cohort, CohortBasis, cohort_from_counts
from siyu.analytics.dimensions import NO_CHANNEL
from siyu.analytics.periods import Period
from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.metrics import channel_names
from siyu.analytics.readmodel.scope import (
    EPOCH_DAY,
    Filter,
    day_number,
    month_date,
    month_number,
)


def _channel_sql(channel: str | None, alias: str = "") -> str:
    if channel is None:
        return "1 = 1"
    codes = [k for k, name in channel_names().items() if name == channel]
    listed = ", ".join(str(int(c)) for c in codes)
    return f"{alias}channel IN ({listed})" if codes else "1 = 0"


def cohort_curves(
    engine: Engine, f: Filter, *, channel: str | None, until: date, basis: CohortBasis
) -> list[Cohort]:
    # Each customer's first and second order month are columns of the read model (kept
    # with the customer's rows), so no query here needs a window over every order.
    start = "acq_month" if basis == "acquired" else "first_month"
    where = f"{start} IS NOT NULL AND {f.sql()} AND {_channel_sql(channel)}"
    sizes = engine.rows(
        f"SELECT {start}, COUNT(*) FROM rm_customers WHERE {where} GROUP BY {start}"  # noqa: S608
    )
    active = engine.rows(
        f"SELECT {start}, paid_month, COUNT(DISTINCT customer_id) FROM rm_orders "  # noqa: S608
        f"WHERE {where} GROUP BY {start}, paid_month"
    )
    repeats = engine.rows(
        f"SELECT {start}, second_month, COUNT(*) FROM rm_customers "  # noqa: S608
        f"WHERE second_month IS NOT NULL AND {where} GROUP BY {start}, second_month"
    )
    by_active: dict[int, dict[int, int]] = defaultdict(dict)
    for begun, paid, n in active:
        by_active[int(begun)][int(paid) - int(begun)] = int(n)
    by_repeat: dict[int, dict[int, int]] = defaultdict(dict)
    for begun, again, n in repeats:
        by_repeat[int(begun)][int(again) - int(begun)] = int(n)
    last = month_number(until)
    return [
        cohort_from_counts(
            month_date(month), int(size), by_active[month], by_repeat[month], last - month
        )
        for month, size in sorted((int(m), n) for m, n in sizes)
        if month <= last
    ]


def channel_counts(
    engine: Engine, f: Filter, period: Period
) -> tuple[dict[str | None, int], dict[str | None, int], dict[str, dict[int, int]]]:
    """For customers acquired in the period, by channel name (None: no channel): cohort
    sizes, how many have ordered, and net revenue by month after acquisition."""
    days = {"start": day_number(period.start), "end": day_number(period.end)}
    names = channel_names()
    cohort = f"acq_day >= :start AND acq_day < :end AND {f.sql()}"

    def key(code: int) -> str | None:
        return names.get(int(code)) or None

    sizes = engine.rows(
        f"SELECT channel, COUNT(*) FROM rm_customers WHERE {cohort} GROUP BY channel",  # noqa: S608
        days,
    )
    rows = engine.rows(
        "SELECT channel, paid_month - acq_month, SUM(net_fen) "  # noqa: S608
        f"FROM rm_orders WHERE {cohort} GROUP BY channel, paid_month - acq_month",
        days,
    )
    buyers = engine.rows(
        "SELECT channel, COUNT(DISTINCT customer_id) FROM rm_orders "  # noqa: S608
        f"WHERE {cohort} GROUP BY channel",
        days,
    )
    by_offset: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for code, offset, net in rows:
        by_offset[key(code) or NO_CHANNEL][int(offset)] += int(net or 0)
    sized: dict[str | None, int] = defaultdict(int)
    for c, n in sizes:
        sized[key(c)] += int(n)
    bought: dict[str | None, int] = defaultdict(int)
    for c, n in buyers:
        bought[key(c)] += int(n)
    return dict(sized), dict(bought), by_offset


def clv_summary(engine: Engine, f: Filter, until: date) -> Summary:
    """The CLV models' per-customer summaries from every order of the scope."""
    # Imported on first use, as the page does: the models pull in scipy.optimize.
    from siyu.analytics.clv.report import EPOCH, summary_of

    table = engine.arrow(f"SELECT customer_id, paid_day, net_fen FROM rm_orders WHERE {f.sql()}")  # noqa: S608
    if table.num_rows == 0:
        raise ValueError(_("no orders to fit a lifetime value model on"))
    columns = [table.column(i).to_numpy() for i in range(3)]
    shift = (EPOCH - EPOCH_DAY).days  # the models count days from 2000-01-01
    return summary_of(columns[0], columns[1] - shift, columns[2], until)


@dataclass(frozen=True)
class StrataColumns:
    """lift.compare_strata's input, one element per customer acquired by the period's
    end (in id order); ``channel`` is an index into ``channel_names``."""

    month: NDArray[np.int64]  # acq_month (year × 12 + month - 1)
    channel: NDArray[np.int64]
    channel_names: list[str]  # "" for none (or a tag no longer in the channel group)
    wecom: NDArray[np.bool_]
    pre: NDArray[np.int64]
    post: NDArray[np.int64]


def strata_columns(engine: Engine, f: Filter, period: Period, pre_days: int) -> StrataColumns:
    """Each customer's acquisition month, channel, WeCom flag and spend before and in the
    period, as columns (Arrow to numpy: no Python object per customer)."""
    names = channel_names()
    start, end = int(period.start_at.timestamp()), int(period.end_at.timestamp())
    table = engine.arrow(
        # BIGINT: DuckDB sums to a 128-bit decimal, which Arrow hands to numpy as one
        # Python Decimal per customer.
        "SELECT c.acq_month, c.channel, c.wecom, CAST(COALESCE(o.pre, 0) AS BIGINT) AS pre, "  # noqa: S608
        "CAST(COALESCE(o.post, 0) AS BIGINT) AS post "
        "FROM rm_customers c LEFT JOIN (SELECT customer_id, "
        "SUM(CASE WHEN paid_s < :start THEN net_fen ELSE 0 END) AS pre, "
        "SUM(CASE WHEN paid_s >= :start THEN net_fen ELSE 0 END) AS post FROM rm_orders "
        "WHERE paid_s >= :pre_start AND paid_s < :end GROUP BY customer_id) o "
        f"ON o.customer_id = c.id WHERE c.acq_day < :end_day AND {f.sql('c.')} ORDER BY c.id",
        {
            "start": start,
            "end": end,
            "pre_start": start - pre_days * 86400,
            "end_day": day_number(period.end),
        },
    )
    month, code, wecom, pre, post = (
        np.asarray(table.column(i).to_numpy(zero_copy_only=False)).astype(np.int64)
        for i in range(5)
    )
    # Strata are by channel name, as the reference (lift._rows) reads it.
    codes, at = np.unique(code, return_inverse=True)
    labels = [names.get(int(c), "") for c in codes]
    shown = sorted(set(labels))
    index = np.array([shown.index(label) for label in labels], dtype=np.int64)
    return StrataColumns(
        month=month,
        channel=index[at.reshape(-1)] if len(codes) else code,
        channel_names=shown,
        wecom=wecom != 0,
        pre=pre,
        post=post,
    )
