"""Per-customer purchase summaries (frequency, recency, age, mean repeat value) from
transactions, vectorised so a million customers take a second or two."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Summary:
    customer_id: IntArray
    x: Array  # repeat purchase days (purchases on the same day count once, as in CDNOW)
    t_x: Array  # last purchase, from the first, in time units
    T: Array  # age at the end of calibration, from the first purchase
    monetary: Array  # mean value of the repeat purchase days (0 when x = 0)


def summarise(
    customer_id: IntArray,
    day: IntArray,
    value: Array,
    *,
    end_day: int,
    unit_days: float = 7.0,
) -> Summary:
    """Summaries from transactions (customer, integer day, value) up to ``end_day``
    inclusive. Values of one customer's day are summed first; the first day is excluded
    from the monetary mean, which describes repeat purchases only (Gamma-Gamma)."""
    keep = day <= end_day
    cid, d, v = customer_id[keep], day[keep], value[keep]
    if not len(cid):  # every order after the end: nobody to summarise (not an IndexError)
        empty = np.zeros(0, dtype=np.float64)
        return Summary(np.zeros(0, dtype=np.int64), empty, empty, empty, empty)
    order = np.lexsort((d, cid))
    cid, d, v = cid[order], d[order], v[order]
    # Collapse to one row per (customer, day).
    new_day = np.ones(len(cid), dtype=bool)
    new_day[1:] = (cid[1:] != cid[:-1]) | (d[1:] != d[:-1])
    starts = np.flatnonzero(new_day)
    cid, d, v = cid[starts], d[starts], np.add.reduceat(v, starts) if len(v) else v
    first_of_customer = np.ones(len(cid), dtype=bool)
    first_of_customer[1:] = cid[1:] != cid[:-1]
    firsts = np.flatnonzero(first_of_customer)
    counts = np.diff(np.append(firsts, len(cid)))
    first_day = d[firsts]
    last_day = d[np.append(firsts[1:], len(cid)) - 1]
    repeat_value = np.add.reduceat(v, firsts) - v[firsts] if len(v) else v
    x = (counts - 1).astype(np.float64)
    monetary = np.divide(repeat_value, x, out=np.zeros_like(x), where=x > 0)
    return Summary(
        customer_id=cid[firsts],
        x=x,
        t_x=(last_day - first_day) / unit_days,
        T=(end_day - first_day) / unit_days,
        monetary=monetary,
    )


def compress(*columns: Array) -> tuple[Array, ...]:
    """Unique rows of the columns plus a weight (how many times each occurs), in the
    order of np.unique(axis=0): by the first column, then the next. A lexsort of the
    columns, because the row-wise unique sorts rows as opaque records (0.45 s per call
    at 200k customers, four calls per CLV fit)."""
    rows, groups = distinct_rows(*columns)
    firsts = [c[rows] for c in columns]
    weight = np.bincount(groups, minlength=len(rows)).astype(np.float64)
    return (*firsts, weight)


def distinct_rows(*columns: Array) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """(one index of each distinct row, in sorted order; each row's group number)."""
    n = len(columns[0])
    order = np.lexsort(columns[::-1])
    same = np.ones(max(n - 1, 0), dtype=bool)
    for c in columns:
        ordered = c[order]
        same &= ordered[1:] == ordered[:-1]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ~same
    groups = np.empty(n, dtype=np.intp)
    groups[order] = np.cumsum(starts) - 1
    return order[starts], groups
