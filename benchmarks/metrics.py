"""GMV decomposition + cohort retention at 1M customers / 10M orders, and the BG/NBD fit.

    uv run python benchmarks/metrics.py [--customers N | --quick] [--reuse]

Generates customers (two years of acquisition, six channels) and ~10 orders each straight
into a benchmark database (SQLite under var/bench-metrics-N, or DATABASE_URL), with raw
executemany / COPY. Our path: the columnar snapshot (siyu/analytics/warehouse.py) pulled
once into Arrow, then DuckDB computes the GMV factors of the last two months, their Shapley
split, and the full cohort retention matrix. Baseline: pandas doing the same on the same
snapshot. Also times the BG/NBD + Gamma-Gamma fit on every customer. Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from bench_env import setup_django

START = np.datetime64("2024-01-01T00:00:00")
DAYS = 730
CHANNELS = ["抖音", "小红书", "门店", "公众号", "朋友推荐", "天猫"]
CHUNK = 200_000


def setup(customers: int, reuse: bool) -> None:
    setup_django(f"bench-metrics-{customers}", reuse=reuse)


def _stamp(seconds: np.ndarray, vendor: str) -> list[str]:
    text = np.datetime_as_string(START + seconds.astype("timedelta64[s]"), unit="s")
    suffix = "+00:00" if vendor == "postgresql" else ""
    return [t.replace("T", " ") + suffix for t in text.tolist()]


def _rows(model: Any, given: dict[str, Any], n: int) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """Columns and row tuples for a model: given columns (arrays or lists), every other
    field from its Python default (the database has no defaults of its own)."""
    cols, data = [], []
    for field in model._meta.concrete_fields:
        if field.primary_key and field.column not in given:
            continue
        cols.append(field.column)
        if field.column in given:
            data.append(given[field.column])
        else:
            default = field.get_prep_value(field.get_default())
            data.append([json.dumps(default) if isinstance(default, list | dict) else default] * n)
    return cols, zip(*data, strict=True)


def generate(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    acq_day = rng.integers(0, DAYS - 30, n)
    channel = rng.integers(0, len(CHANNELS), n)
    rate = rng.gamma(2.0, 24.0, n) * (1.0 + 0.5 * (channel == 2))  # store customers buy more
    full = rng.poisson(rate * (DAYS - acq_day) / DAYS)
    # BG/NBD-like dropout: after each purchase a customer leaves with probability p ~ beta.
    kept = rng.geometric(rng.beta(0.8, 6.0, n))
    count = np.minimum(full, kept)
    active_span = (DAYS - acq_day) * np.where(full > 0, count / np.maximum(full, 1), 1.0)
    owner = np.repeat(np.arange(n), count)
    span = np.maximum(active_span.astype(np.int64), 1)[owner]
    order_day = acq_day[owner] + (rng.random(len(owner)) * span).astype(np.int64)
    level = rng.normal(np.log(8000), 0.5, n)  # each customer has a typical spend
    paid = rng.lognormal(level[owner], 0.4).astype(np.int64) + 100
    refunded = np.where(rng.random(len(owner)) < 0.05, paid // 2, 0)
    return {
        "acq_day": acq_day,
        "channel": channel,
        "owner": owner,
        "order_day": order_day,
        "paid": paid,
        "refunded": refunded,
        "order_sec": order_day * 86400 + rng.integers(0, 86400, len(owner)),
    }


def load(n: int, g: dict[str, np.ndarray]) -> None:
    from django.db import connection, transaction

    from siyu.core.bulk_rows import copy_rows
    from siyu.customers.models import Customer, CustomerTag, Order
    from siyu.customers.tagging import ensure_tag

    vendor = connection.vendor
    tags = [ensure_tag("渠道", name).pk for name in CHANNELS]
    first_id = 1
    created = _stamp(g["acq_day"] * 86400 + 3600, vendor)
    with transaction.atomic():
        cols, rows = _rows(
            Customer,
            {
                "id": range(first_id, first_id + n),
                "created_at": created,
                "first_seen_at": created,
                "updated_at": created,
                "display_name": [f"c{i}" for i in range(n)],
            },
            n,
        )
        copy_rows("customers_customer", cols, rows, chunk=CHUNK)
        cols, rows = _rows(
            CustomerTag,
            {
                "customer_id": range(first_id, first_id + n),
                "tag_id": [tags[c] for c in g["channel"].tolist()],
                "source": ["channel"] * n,
                "created_at": created,
            },
            n,
        )
        copy_rows("customers_customertag", cols, rows, chunk=CHUNK)
    total = len(g["owner"])
    for lo in range(0, total, 1_000_000):
        hi = min(lo + 1_000_000, total)
        stamps = _stamp(g["order_sec"][lo:hi], vendor)
        m = hi - lo
        with transaction.atomic():
            cols, rows = _rows(
                Order,
                {
                    "customer_id": (g["owner"][lo:hi] + first_id).tolist(),
                    "platform": ["miniprogram"] * m,
                    "order_no": [f"B{i}" for i in range(lo, hi)],
                    "total_fen": g["paid"][lo:hi].tolist(),
                    "paid_fen": g["paid"][lo:hi].tolist(),
                    "refunded_fen": g["refunded"][lo:hi].tolist(),
                    "paid_at": stamps,
                    "created_at": stamps,
                    "updated_at": stamps,
                },
                m,
            )
            copy_rows("customers_order", cols, rows, chunk=CHUNK)
        print(f"  orders {hi:>11,} / {total:,}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def ours(snapshot: Any, base: int, month: int) -> tuple[Any, Any, dict[tuple[int, int], float]]:
    from siyu.analytics.gmv import explain_change
    from siyu.analytics.warehouse import month_factors, retention_matrix

    before, after = month_factors(snapshot, base, month)
    return before, explain_change(before, after), retention_matrix(snapshot)


def baseline(
    orders: Any, customers: Any, base: int, month: int
) -> tuple[Any, Any, dict[tuple[int, int], float]]:
    from siyu.analytics.gmv import GmvFactors, explain_change

    sel = orders[orders.paid_month.isin([base, month])]
    g = sel.groupby("paid_month").agg(
        orders=("net_fen", "size"), buyers=("customer_id", "nunique"), gmv=("net_fen", "sum")
    )
    factors = [
        GmvFactors(
            int((customers.acq_month <= m).sum()),
            int(g.buyers.get(m, 0)),
            int(g.orders.get(m, 0)),
            int(g.gmv.get(m, 0)),
        )
        for m in (base, month)
    ]
    sizes = customers.groupby("acq_month").size()
    active = orders.groupby(
        [orders.acq_month, orders.paid_month - orders.acq_month]
    ).customer_id.nunique()
    matrix = {(int(a), int(k)): v / sizes[a] for (a, k), v in active.items()}
    return factors[0], explain_change(factors[0], factors[1]), matrix


def clv_fit(g: dict[str, np.ndarray], n: int) -> tuple[float, float, Any]:
    from siyu.analytics.clv import bgnbd, gammagamma
    from siyu.analytics.clv.summary import summarise

    t = time.perf_counter()
    summary = summarise(g["owner"], g["order_day"], g["paid"].astype(np.float64), end_day=DAYS)
    summarise_s = time.perf_counter() - t
    t = time.perf_counter()
    bg = bgnbd.fit(summary)
    bg_s = time.perf_counter() - t
    gg = gammagamma.fit(summary.x, summary.monetary)
    fit_s = time.perf_counter() - t
    print(f"  BG/NBD {bg_s:.2f}s, Gamma-Gamma {fit_s - bg_s:.2f}s", flush=True)
    return summarise_s, fit_s, (bg, gg, len(summary.x))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50k customers, under a minute")
    parser.add_argument("--reuse", action="store_true", help="keep an existing benchmark database")
    args = parser.parse_args()
    n = 50_000 if args.quick else args.customers
    setup(n, args.reuse)
    from django.core.management import call_command

    from siyu.customers.models import Customer

    call_command("migrate", interactive=False, verbosity=0)
    g = generate(n)
    if not Customer.objects.exists():
        t = time.perf_counter()
        load(n, g)
        print(
            f"loaded {n:,} customers, {len(g['owner']):,} orders in {time.perf_counter() - t:.1f}s"
        )
    from siyu.analytics.warehouse import load_snapshot

    t = time.perf_counter()
    snapshot = load_snapshot()
    snapshot_s = time.perf_counter() - t
    month = int(np.max(snapshot.orders.column("paid_month").to_numpy())) - 1  # last full month
    base = month - 1
    ours(snapshot, base, month)  # warm DuckDB
    t = time.perf_counter()
    before, change, matrix = ours(snapshot, base, month)
    seconds = time.perf_counter() - t
    orders_df, customers_df = snapshot.orders.to_pandas(), snapshot.customers.to_pandas()
    t = time.perf_counter()
    b_before, b_change, b_matrix = baseline(orders_df, customers_df, base, month)
    baseline_s = time.perf_counter() - t
    same = (
        (before, change.after) == (b_before, b_change.after)
        and [p.share_fen for p in change.parts] == [p.share_fen for p in b_change.parts]
        and matrix.keys() == b_matrix.keys()
        and all(abs(matrix[k] - b_matrix[k]) < 1e-12 for k in matrix)
    )
    summarise_s, fit_s, (bg, gg, fitted) = clv_fit(g, n)
    rows = [
        ("customers / orders", f"{n:,} / {len(g['owner']):,}"),
        ("snapshot DB → Arrow (once)", f"{snapshot_s:.2f} s"),
        ("GMV split + cohort retention, DuckDB", f"{seconds:.3f} s"),
        ("same in pandas (baseline)", f"{baseline_s:.3f} s"),
        (
            "GMV change (fen) = sum of parts",
            f"{change.change_fen:,} = {sum(p.share_fen for p in change.parts):,}",
        ),
        ("cohort cells", f"{len(matrix):,}"),
        ("RFM summary of all orders", f"{summarise_s:.2f} s"),
        (f"BG/NBD + Gamma-Gamma fit ({fitted:,} customers)", f"{fit_s:.2f} s"),
        ("BG/NBD r, α, a, b", f"{bg.r:.3f} {bg.alpha:.3f} {bg.a:.3f} {bg.b:.3f}"),
        ("Gamma-Gamma p, q, v", f"{gg.p:.3f} {gg.q:.3f} {gg.v:.1f}"),
        ("same result", str(same)),
    ]
    width = max(len(r[0]) for r in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    print(
        json.dumps(
            {
                "bench": "metrics",
                "customers": n,
                "seconds": round(seconds, 3),
                "baseline_seconds": round(baseline_s, 3),
                "same_result": same,
                "clv_fit_seconds": round(fit_s, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
