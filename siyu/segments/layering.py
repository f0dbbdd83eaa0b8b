"""User layering: RFM scores and named layers, the value × lifecycle matrix and the 80/20
Pareto curve. Computed by the database (portable SQL in layering_sql.py); results are
frozen dataclasses so views, the API and other apps can call these functions directly.

``facts=True`` reads the buyers from the per-customer order facts (the product path for
"now": one row per buyer) instead of aggregating every order (the reference, and the only
way to layer as of a past moment); both give the same figures for orders paid up to now."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from siyu.customers.models import Customer, Order
from siyu.segments import layering_sql as sql
from siyu.segments.models import CustomerFacts
from siyu.segments.thresholds import Thresholds

# (R high, F high, M high) → the classic eight RFM layers.
LAYERS: dict[tuple[int, int, int], tuple[str, Any]] = {
    (1, 1, 1): ("important_value", _("Important value")),
    (1, 0, 1): ("important_develop", _("Important to develop")),
    (0, 1, 1): ("important_keep", _("Important to keep")),
    (0, 0, 1): ("important_retain", _("Important to win back")),
    (1, 1, 0): ("general_value", _("General value")),
    (1, 0, 0): ("general_develop", _("General to develop")),
    (0, 1, 0): ("general_keep", _("General to keep")),
    (0, 0, 0): ("general_retain", _("General to win back")),
}
STAGE_LABELS: dict[str, Any] = {
    "new": _("New"),
    "active": _("Active"),
    "at_risk": _("At risk"),
    "churned": _("Churned"),
    "won_back": _("Won back"),
}
TIER_LABELS: dict[str, Any] = {
    "high": _("High value"),
    "medium": _("Medium value"),
    "low": _("Low value"),
}
STAGES = list(STAGE_LABELS)
VALUE_TIERS = list(TIER_LABELS)
PARETO_PERCENTS = [1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
EARLIEST_AS_OF = date(2000, 1, 1)


@dataclass(frozen=True)
class LayerRow:
    key: str
    label: str
    customers: int
    monetary_fen: int


@dataclass(frozen=True)
class CustomerScore:
    customer_id: int
    recency: int
    frequency: int
    monetary: int
    frequency_count: int
    monetary_fen: int
    layer: str


@dataclass(frozen=True)
class MatrixCell:
    value_tier: str
    stage: str
    customers: int
    monetary_fen: int


@dataclass(frozen=True)
class ParetoPoint:
    top_percent: int
    customers: int
    share: float  # of net GMV, 0..1


@dataclass(frozen=True)
class Pareto:
    buyers: int
    net_fen: int
    points: list[ParetoPoint]
    # Smallest share of buyers that brings 80 % of net GMV (0..1); None without sales.
    customers_for_80: float | None


def as_of_moment(day: date | None) -> datetime:
    """The moment layers are measured at for an as-of date: the end of that day in the
    brand's zone (now when None)."""
    if day is None:
        return timezone.now()
    end = datetime.combine(day + timedelta(days=1), time.min)
    return timezone.make_aware(end, timezone.get_default_timezone())


def _moment(value: datetime) -> Any:
    # SQLite stores datetimes as text in Django's own format; a raw parameter must be in
    # the same format to compare correctly. PostgreSQL takes the aware datetime as is.
    return connection.ops.adapt_datetimefield_value(value)


def _tables(
    scope: QuerySet[Customer] | None, as_of: datetime | None
) -> tuple[dict[str, str], list[Any]]:
    """Table names and the buyers CTE's filter: the scope, and for a moment in the past
    only the orders paid before it (layers as they stood then, not with later orders)."""
    names = {
        "orders": Order._meta.db_table,
        "customers": Customer._meta.db_table,
        "facts": CustomerFacts._meta.db_table,
        "scope": "",
    }
    params: list[Any] = []
    if as_of is not None:
        names["scope"] = "AND o.paid_at < %s "
        params.append(_moment(as_of))
    if scope is None:
        return names, params
    scope_sql, scope_params = scope.values("pk").query.sql_with_params()
    # Unary plus: SQLite would otherwise walk the whole IN list once per buyer (it seeks the
    # customers index by each listed id as well as by the join), which never finished at
    # 200k customers; with it the list is built once and probed.
    names["scope"] += f"AND +c.id IN ({scope_sql})"
    return names, [*params, *scope_params]


def _queries(facts: bool) -> dict[str, str]:
    return sql.FACTS if facts else sql.ORDERS


def _fetch(
    template: str,
    params: list[Any],
    scope: QuerySet[Customer] | None,
    as_of: datetime | None = None,
    **extra: str,
) -> list[tuple[Any, ...]]:
    """``as_of`` only with the orders' queries (the facts hold the present)."""
    names, scope_params = _tables(scope, as_of)
    text = template.format(**names, **extra)
    # The scope's parameters belong to the buyers CTE, which comes before every other
    # placeholder in each query of layering_sql.
    with connection.cursor() as cursor:
        cursor.execute(text, [*scope_params, *params])
        return list(cursor.fetchall())


def _rfm_query(t: Thresholds, now: datetime, facts: bool) -> tuple[str, list[Any]]:
    if t.rfm_mode == "quintile":
        return _queries(facts)["rfm_quintile"], []
    cutoffs = [_moment(now - timedelta(days=d)) for d in t.recency_days]
    fixed = _queries(facts)["rfm_fixed"]
    return fixed, [*cutoffs, *reversed(t.frequency), *reversed(t.monetary_fen)]


def _layer_key(r: int, f: int, m: int, high: int) -> str:
    return LAYERS[(int(r >= high), int(f >= high), int(m >= high))][0]


def rfm_scores(
    t: Thresholds, now: datetime, scope: QuerySet[Customer] | None = None, *, facts: bool = False
) -> list[CustomerScore]:
    """Every buyer's R, F, M scores (1–5) and named layer."""
    template, params = _rfm_query(t, now, facts)
    rows = _fetch(template + " ORDER BY customer_id", params, scope, None if facts else now)
    return [
        CustomerScore(cid, r, f, m, freq, mon, _layer_key(r, f, m, t.high_score))
        for cid, _last, freq, mon, r, f, m in rows
    ]


def rfm_layers(
    t: Thresholds, now: datetime, scope: QuerySet[Customer] | None = None, *, facts: bool = False
) -> list[LayerRow]:
    """Buyers per named RFM layer, in the order of LAYERS (empty layers included)."""
    template, params = _rfm_query(t, now, facts)
    # high_score is a validated int 2..5, so it can sit in the text: every placeholder then
    # follows the buyers CTE, where the scope's parameters are.
    summary = sql.LAYER_SUMMARY.replace("{rfm}", template).replace("{high}", str(int(t.high_score)))
    rows = _fetch(summary, params, scope, None if facts else now)
    found = {(int(rh), int(fh), int(mh)): (n, int(mon or 0)) for rh, fh, mh, n, mon in rows}
    return [
        LayerRow(key, str(label), *found.get(flags, (0, 0)))
        for flags, (key, label) in LAYERS.items()
    ]


def value_lifecycle_matrix(
    t: Thresholds, now: datetime, scope: QuerySet[Customer] | None = None, *, facts: bool = False
) -> list[MatrixCell]:
    """Buyers per (value tier, lifecycle stage); every cell present, zeros included."""
    summary = _queries(facts)["matrix_summary"]
    rows = _fetch(summary, _matrix_params(t, now), scope, None if facts else now)
    found = {(tier, stage): (n, int(mon or 0)) for tier, stage, n, mon in rows}
    return [
        MatrixCell(tier, stage, *found.get((tier, stage), (0, 0)))
        for tier in VALUE_TIERS
        for stage in STAGES
    ]


def matrix_rows(
    t: Thresholds, now: datetime, scope: QuerySet[Customer] | None = None, *, facts: bool = False
) -> list[tuple[int, str, str, int]]:
    """(customer_id, value tier, stage, net fen) for every buyer, for export."""
    template = _queries(facts)["matrix_rows"] + " ORDER BY customer_id"
    rows = _fetch(template, _matrix_params(t, now), scope, None if facts else now)
    return [(cid, tier, stage, int(mon)) for cid, tier, stage, mon in rows]


def _matrix_params(t: Thresholds, now: datetime) -> list[Any]:
    def cut(days: int) -> Any:
        return _moment(now - timedelta(days=days))

    return [
        t.value_high_fen,
        t.value_medium_fen,
        cut(t.new_days),
        cut(t.active_days),
        cut(t.churn_days),
        cut(t.active_days),
        cut(t.churn_days),
    ]


def pareto_curve(
    scope: QuerySet[Customer] | None = None,
    percents: list[int] | None = None,
    as_of: datetime | None = None,
    *,
    facts: bool = False,
) -> Pareto:
    """Share of net GMV (after refunds) from the top x % of buyers, x in ``percents``.
    The top x % is the ceil(n · x / 100) biggest spenders; orders paid before ``as_of``
    (all orders when None)."""
    percents = percents or PARETO_PERCENTS
    queries = _queries(facts and as_of is None)
    ((buyers, total),) = _fetch(queries["pareto_totals"], [], scope, as_of)
    total = int(total or 0)
    if not buyers:
        return Pareto(0, 0, [ParetoPoint(p, 0, 0.0) for p in percents], None)
    ranks = {p: max(1, math.ceil(buyers * p / 100)) for p in percents}
    unique = sorted(set(ranks.values()))
    placeholders = ", ".join(["%s"] * len(unique))
    cum = dict(_fetch(queries["pareto_points"], unique, scope, as_of, ranks=placeholders))
    points = [
        ParetoPoint(p, ranks[p], (int(cum[ranks[p]]) / total) if total else 0.0) for p in percents
    ]
    reach = None
    if total:
        ((rank,),) = _fetch(queries["pareto_reach"], [5, total * 4], scope, as_of)
        reach = int(rank) / buyers
    return Pareto(buyers, total, points, reach)
