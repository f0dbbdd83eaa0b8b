"""Layering from the analytic read model's buyers (``rm_buyers``: one row per buyer), one
read per page, then numpy over the columns: at a million buyers the SQL path spent its
time in five window-function passes over the facts table, one per figure on the page.

The figures are those of ``layering.py``'s SQL (the reference, and the only path for a
past as-of date or a sales member's own customers), computed the same way: CUME_DIST's
share of buyers at or below a value, CASE bands taken in their order, the Pareto ranking
by spend then customer id. The read model keeps moments in whole seconds, so layers are
measured at the current whole second; what the page shows is as old as the read model
(its age is shown beside it)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]  # ships no type information
import pyarrow.compute as pc  # type: ignore[import-untyped]

from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.scope import Filter
from siyu.segments.layering import (
    LAYERS,
    PARETO_PERCENTS,
    STAGES,
    VALUE_TIERS,
    CustomerScore,
    LayerRow,
    MatrixCell,
    Pareto,
    ParetoPoint,
)
from siyu.segments.thresholds import Thresholds

NO_PREVIOUS = np.iinfo(np.int64).min


@dataclass(frozen=True)
class Buyers:
    """Columns of one row per buyer, ordered by customer id; moments in epoch seconds."""

    customer_id: np.ndarray
    frequency: np.ndarray
    monetary: np.ndarray
    first_paid: np.ndarray
    last_paid: np.ndarray
    prev_paid: np.ndarray  # NO_PREVIOUS where there is none

    def __len__(self) -> int:
        return len(self.customer_id)


def read_buyers(engine: Engine, scope: Filter) -> Buyers:
    table = engine.arrow(
        "SELECT customer_id, orders, net_fen, first_paid_s, last_paid_s, prev_paid_s "  # noqa: S608 - the filter is built from integers
        f"FROM rm_buyers WHERE {scope.sql()} ORDER BY customer_id"
    )

    def column(name: str) -> np.ndarray:
        values = table.column(name)
        if name == "prev_paid_s":
            values = pc.fill_null(values, NO_PREVIOUS)
        return np.asarray(values.to_numpy(), dtype=np.int64)

    return Buyers(
        column("customer_id"),
        column("orders"),
        column("net_fen"),
        column("first_paid_s"),
        column("last_paid_s"),
        column("prev_paid_s"),
    )


def _seconds(moment: datetime) -> int:
    return math.floor(moment.timestamp())


def _quintiles(values: np.ndarray) -> np.ndarray:
    """1–5 by the share of buyers at or below each value (ties share it): CUME_DIST."""
    # Counted on the sorted values (each value's count is the end of its run of equals)
    # and put back in place: searching a million unsorted values in the sorted ones took
    # 0.45 s each at 1M buyers, a cache miss per probe.
    order = np.argsort(values)
    ordered = values[order]
    ends = np.r_[np.flatnonzero(ordered[1:] != ordered[:-1]), len(values) - 1]
    share = np.empty(len(values))
    share[order] = np.repeat(ends + 1, np.diff(np.r_[-1, ends])) / len(values)
    scores = np.ones(len(values), np.int64)
    for cut in (0.2, 0.4, 0.6, 0.8):
        scores += share > cut
    return scores


def _bands(values: np.ndarray, boundaries: list[int]) -> np.ndarray:
    """1 + the number of boundaries reached, the first boundary (most demanding) scoring 5:
    the SQL's CASE, whose first true branch wins."""
    scores = np.ones(len(values), np.int64)
    for i in reversed(range(len(boundaries))):
        scores[values >= boundaries[i]] = 5 - i
    return scores


def _rfm(b: Buyers, t: Thresholds, now: datetime) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not len(b):
        empty = np.zeros(0, np.int64)
        return empty, empty, empty
    if t.rfm_mode == "quintile":
        return _quintiles(b.last_paid), _quintiles(b.frequency), _quintiles(b.monetary)
    at = _seconds(now)
    recency = [at - d * 86400 for d in t.recency_days]
    return (
        _bands(b.last_paid, recency),
        _bands(b.frequency, list(reversed(t.frequency))),
        _bands(b.monetary, list(reversed(t.monetary_fen))),
    )


def _layer_codes(r: np.ndarray, f: np.ndarray, m: np.ndarray, high: int) -> np.ndarray:
    """Each buyer's RFM layer as a code 0–7: its high R, F and M flags as bits."""
    return (r >= high) * 4 + (f >= high) * 2 + (m >= high)


# LAYERS by code (a layer's flags are 0 or 1, so they are its scores against a high of 1),
# in the order of LAYERS; and each code's layer key, indexed by code.
_FLAGS = np.array(list(LAYERS))
_LAYERS_BY_CODE: dict[int, tuple[str, object]] = dict(
    zip(
        _layer_codes(_FLAGS[:, 0], _FLAGS[:, 1], _FLAGS[:, 2], 1).tolist(),
        LAYERS.values(),
        strict=True,
    )
)
_LAYER_KEYS = [_LAYERS_BY_CODE[code][0] for code in range(len(LAYERS))]


def rfm_scores(b: Buyers, t: Thresholds, now: datetime) -> list[CustomerScore]:
    r, f, m = _rfm(b, t, now)
    return [
        CustomerScore(cid, rs, fs, ms, freq, mon, _LAYER_KEYS[code])
        for cid, rs, fs, ms, freq, mon, code in zip(
            b.customer_id.tolist(),
            r.tolist(),
            f.tolist(),
            m.tolist(),
            b.frequency.tolist(),
            b.monetary.tolist(),
            _layer_codes(r, f, m, t.high_score).tolist(),
            strict=True,
        )
    ]


def scores_table(b: Buyers, t: Thresholds, now: datetime) -> pa.Table:
    """``rfm_scores`` as columns (the CSV export's, in its order)."""
    r, f, m = _rfm(b, t, now)
    code = _layer_codes(r, f, m, t.high_score)
    return pa.table(
        {
            "customer_id": b.customer_id,
            "r": r,
            "f": f,
            "m": m,
            "orders": b.frequency,
            "net_fen": b.monetary,
            "layer": pc.take(pa.array(_LAYER_KEYS), pa.array(code)),
        }
    )


def rfm_layers(b: Buyers, t: Thresholds, now: datetime) -> list[LayerRow]:
    r, f, m = _rfm(b, t, now)
    code = _layer_codes(r, f, m, t.high_score)
    customers = np.bincount(code, minlength=len(LAYERS))
    # Integer sums per layer (bincount's weights would be floats).
    return [
        LayerRow(key, str(label), int(customers[k]), int(b.monetary[code == k].sum()))
        for k, (key, label) in _LAYERS_BY_CODE.items()
    ]


def _matrix_codes(b: Buyers, t: Thresholds, now: datetime) -> tuple[np.ndarray, np.ndarray]:
    """Each buyer's value tier and stage, as indices into VALUE_TIERS and STAGES."""
    at = _seconds(now)

    def cut(days: int) -> int:
        return at - days * 86400

    tier = np.where(
        b.monetary >= t.value_high_fen, 0, np.where(b.monetary >= t.value_medium_fen, 1, 2)
    )
    active = b.last_paid >= cut(t.active_days)
    won_back = active & (b.prev_paid != NO_PREVIOUS) & (b.prev_paid < cut(t.churn_days))
    stage = np.select(
        [b.first_paid >= cut(t.new_days), won_back, active, b.last_paid >= cut(t.churn_days)],
        [STAGES.index(s) for s in ("new", "won_back", "active", "at_risk")],
        STAGES.index("churned"),
    )
    return tier, stage


def value_lifecycle_matrix(b: Buyers, t: Thresholds, now: datetime) -> list[MatrixCell]:
    tier, stage = _matrix_codes(b, t, now)
    cell = tier * len(STAGES) + stage
    size = len(VALUE_TIERS) * len(STAGES)
    customers = np.bincount(cell, minlength=size)
    return [
        MatrixCell(
            tier_name,
            stage_name,
            int(customers[k := i * len(STAGES) + j]),
            int(b.monetary[cell == k].sum()) if customers[k] else 0,
        )
        for i, tier_name in enumerate(VALUE_TIERS)
        for j, stage_name in enumerate(STAGES)
    ]


def matrix_rows(b: Buyers, t: Thresholds, now: datetime) -> list[tuple[int, str, str, int]]:
    tier, stage = _matrix_codes(b, t, now)
    return [
        (cid, VALUE_TIERS[ti], STAGES[si], mon)
        for cid, ti, si, mon in zip(
            b.customer_id.tolist(), tier.tolist(), stage.tolist(), b.monetary.tolist(), strict=True
        )
    ]


def matrix_table(b: Buyers, t: Thresholds, now: datetime) -> pa.Table:
    """``matrix_rows`` as columns."""
    tier, stage = _matrix_codes(b, t, now)
    return pa.table(
        {
            "customer_id": b.customer_id,
            "value_tier": pc.take(pa.array(VALUE_TIERS), pa.array(tier)),
            "stage": pc.take(pa.array(STAGES), pa.array(stage)),
            "net_fen": b.monetary,
        }
    )


def pareto_curve(b: Buyers, percents: list[int] | None = None) -> Pareto:
    percents = percents or PARETO_PERCENTS
    buyers, total = len(b), int(b.monetary.sum())
    if not buyers:
        return Pareto(0, 0, [ParetoPoint(p, 0, 0.0) for p in percents], None)
    ranked = np.lexsort((b.customer_id, -b.monetary))
    cum = np.cumsum(b.monetary[ranked])
    ranks = {p: max(1, math.ceil(buyers * p / 100)) for p in percents}
    points = [
        ParetoPoint(p, ranks[p], (int(cum[ranks[p] - 1]) / total) if total else 0.0)
        for p in percents
    ]
    reach = None
    if total:
        # Fewest top buyers whose spend reaches 80 % (exact in integers).
        reached = np.flatnonzero(cum * 5 >= total * 4)
        reach = (int(reached[0]) + 1) / buyers if len(reached) else None
    return Pareto(buyers, total, points, reach)
