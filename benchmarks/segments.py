"""A segment of RFM + tags and the layering page at scale, in the product path (the code
the console and the API run: the editor's live count and layering read from the analytic
read model, the member ids of a refresh compiled over the per-customer order facts), with
pandas over the same tables as the baseline; all must select the same customers.

    uv run python benchmarks/segments.py [--customers N | --quick] [--reuse] [--reference]

Segment: bought ≥ 3 times in the last 180 days AND net spend (after refunds) ≥ ¥500 AND has
tag 高潜 AND NOT lifecycle_stage churned. Data (N customers, ~10 orders each) is written
with raw executemany into its own SQLite file under var/bench-seg-N (benchmark only; the
product writes through the verbs, whose change rows keep the facts); the facts' first fill
(what the worker does once) is timed apart. ``--reference`` also times the reference
compiler (a correlated aggregate over the orders per customer; 8.9 s at 1M). pandas gets
the tables as Arrow, exported once (timed apart); the read model's first build (what each
web process, or the worker for a shared ClickHouse, does once) is timed apart too. Headline
``seconds``: the editor's count on the read model. Last line is JSON.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from bench_env import setup_django

NOW = datetime.fromisoformat("2025-06-15T12:00:00+00:00")
SEED = 7
CHUNK = 200_000


def setup(customers: int, reuse: bool) -> None:
    setup_django(f"bench-seg-{customers}", reuse=reuse, sqlite_only=True)


def _stamp(seconds_ago: np.ndarray) -> np.ndarray:
    # Django's SQLite text form of an aware UTC datetime: "YYYY-MM-DD HH:MM:SS.ffffff".
    base = np.datetime64(NOW.replace(tzinfo=None), "us")
    moments = base - (seconds_ago * 1_000_000).astype("timedelta64[us]")
    return np.char.replace(np.datetime_as_string(moments, unit="us"), "T", " ")


def generate(customers: int) -> float:
    from django.db import connection, transaction

    from siyu.customers.tagging import ensure_tag

    started = time.perf_counter()
    hot, other = ensure_tag("兴趣", "高潜"), ensure_tag("兴趣", "手冲")
    rng = np.random.default_rng(SEED)
    stages = rng.choice(["new", "active", "at_risk", "churned"], customers, p=[0.2, 0.4, 0.2, 0.2])
    created = _stamp(rng.uniform(0, 800 * 86400, customers))
    counts = rng.poisson(10, customers)
    owner = np.repeat(np.arange(1, customers + 1), counts)
    n_orders = len(owner)
    paid = rng.integers(10, 400, n_orders) * 100
    refunded = np.where(rng.random(n_orders) < 0.05, paid, 0)
    paid_at = _stamp(rng.uniform(0, 730 * 86400, n_orders))
    with connection.cursor() as pragma:
        pragma.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        raw = connection.cursor()
        for start in range(0, customers, CHUNK):
            ids = range(start + 1, min(start + CHUNK, customers) + 1)
            raw.executemany(
                "INSERT INTO customers_customer (id, display_name, real_name, address, phone_last4,"
                " gender, region, occupation, interests, spending_power, lifecycle_stage, status,"
                " merge_count, needs_review, created_at, updated_at) VALUES"
                " (%s, %s, '', '', '', 'unknown', '', '', '[]', 'unknown', %s, 'active', 0, 0, %s, %s)",
                [(i, f"c{i}", stages[i - 1], created[i - 1], created[i - 1]) for i in ids],
            )
        for start in range(0, n_orders, CHUNK):
            stop = min(start + CHUNK, n_orders)
            raw.executemany(
                "INSERT INTO customers_order (customer_id, platform, order_no, total_fen, paid_fen,"
                " refunded_fen, paid_at, created_at, updated_at)"
                " VALUES (%s, 'pos', %s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        int(owner[j]),
                        f"B{j}",
                        int(paid[j]),
                        int(paid[j]),
                        int(refunded[j]),
                        paid_at[j],
                        paid_at[j],
                        paid_at[j],
                    )
                    for j in range(start, stop)
                ],
            )
        for tag, share in ((hot, 0.3), (other, 0.2)):
            chosen = np.flatnonzero(rng.random(customers) < share) + 1
            for start in range(0, len(chosen), CHUNK):
                raw.executemany(
                    "INSERT INTO customers_customertag (customer_id, tag_id, source, created_at)"
                    " VALUES (%s, %s, 'import', %s)",
                    [(int(c), tag.pk, created[0]) for c in chosen[start : start + CHUNK]],
                )
        raw.execute("ANALYZE")
    print(f"generated {customers:,} customers, {n_orders:,} orders")
    return time.perf_counter() - started


def the_rule(tag_id: int) -> dict[str, Any]:
    return {
        "kind": "and",
        "rules": [
            {"kind": "orders", "metric": "frequency", "window_days": 180, "op": ">=", "value": 3},
            {"kind": "orders", "metric": "monetary", "op": ">=", "value": 50_000},
            {"kind": "tags", "mode": "any", "tag_ids": [tag_id]},
            {
                "kind": "not",
                "rule": {"kind": "profile", "field": "lifecycle_stage", "values": ["churned"]},
            },
        ],
    }


def export_arrow() -> dict[str, Any]:
    """The three tables the rule reads, as Arrow, in chunks (never all rows as tuples)."""
    import sqlite3

    import pyarrow as pa  # type: ignore[import-untyped]
    from django.db import connection

    columns = {
        "customers_customer": ["id", "status", "lifecycle_stage"],
        "customers_order": ["id", "customer_id", "paid_at", "paid_fen", "refunded_fen"],
        "customers_customertag": ["id", "customer_id", "tag_id"],
    }
    tables = {}
    # A plain sqlite3 connection: Django's parses every datetime into a Python object, which
    # costs more than the export itself; Arrow parses the text column in one call.
    plain = sqlite3.connect(connection.settings_dict["NAME"])
    with plain:
        cursor = plain.cursor()
        for table, cols in columns.items():
            cursor.execute(f"SELECT {', '.join(cols)} FROM {table}")  # noqa: S608 - fixed names
            batches = []
            while rows := cursor.fetchmany(CHUNK):
                data = list(zip(*rows, strict=True))
                arrays = [
                    _arrow_column(name, values) for name, values in zip(cols, data, strict=True)
                ]
                batches.append(pa.RecordBatch.from_arrays(arrays, names=cols))
            tables[table] = pa.Table.from_batches(batches)
    return tables


def _arrow_column(name: str, values: tuple[Any, ...]) -> Any:
    import pyarrow as pa

    if name == "paid_at":
        parsed = pa.array(values, pa.string()).cast(pa.timestamp("us"))  # ISO 8601 text
        return parsed.cast(pa.timestamp("us", tz="UTC"))
    if name in ("status", "lifecycle_stage"):
        return pa.array(values, pa.string())
    return pa.array(values, pa.int64())


def pandas_segment(tables: dict[str, Any], tag_id: int) -> set[int]:
    import pandas as pd  # type: ignore[import-untyped]

    customers = tables["customers_customer"].to_pandas()
    orders = tables["customers_order"].to_pandas()
    links = tables["customers_customertag"].to_pandas()
    started = time.perf_counter()
    since = pd.Timestamp(NOW - timedelta(days=180))
    recent = orders[orders["paid_at"] >= since].groupby("customer_id").size()
    net = (orders["paid_fen"] - orders["refunded_fen"]).groupby(orders["customer_id"]).sum()
    tagged = set(links.loc[links["tag_id"] == tag_id, "customer_id"])
    ok = customers[(customers["status"] == "active") & (customers["lifecycle_stage"] != "churned")]
    ids = ok["id"]
    keep = ids[
        ids.map(recent).fillna(0).ge(3).to_numpy()
        & ids.map(net).fillna(0).ge(50_000).to_numpy()
        & ids.isin(tagged).to_numpy()
    ]
    pandas_segment.seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    return set(keep.tolist())


def best_of(fn: Any, rounds: int) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(rounds):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    return best, result


def time_layering(rounds: int) -> tuple[float, int]:
    """What the layering page computes for the brand (HQ), as the page reads it."""
    from siyu.segments.layering_source import layering_for
    from siyu.segments.thresholds import Thresholds

    def page() -> int:
        found = layering_for(Thresholds(), None, NOW)
        found.matrix()
        layers = found.layers()
        found.pareto()
        return sum(row.customers for row in layers)

    return best_of(page, rounds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--quick", action="store_true", help="50k customers / ~500k orders")
    parser.add_argument("--reuse", action="store_true", help="reuse the generated database")
    parser.add_argument("--reference", action="store_true", help="also time the ORM reference")
    args = parser.parse_args()
    n = 50_000 if args.quick else args.customers
    setup(n, args.reuse)
    from django.core.management import call_command
    from django.test.utils import override_settings

    from siyu.analytics.readmodel import sync
    from siyu.analytics.readmodel.scope import Filter
    from siyu.customers.models import Customer, Tag

    call_command("migrate", interactive=False, verbosity=0)
    build = generate(n) if not Customer.objects.exists() else 0.0
    from siyu.segments.compiler import matching_customers
    from siyu.segments.facts import facts_ready, fill_facts
    from siyu.segments.fast import matching_fast
    from siyu.segments.queries import live_count
    from siyu.segments.rules import parse_rule

    fill_seconds = 0.0
    if not facts_ready():
        fill_seconds, _ = best_of(fill_facts, 1)
    tag_id = Tag.objects.get(name="高潜").pk
    rule = the_rule(tag_id)
    everyone = Customer.objects.filter(status="active")
    with override_settings(SIYU_ANALYTICS_MAX_AGE=3600):
        sync._embedded = None
        build_seconds, _ = best_of(sync.current, 1)
        live = live_count(rule, everyone, NOW, read=Filter(None))
        assert live.freshness is not None, "the count did not read the read model"
        count_seconds, count = best_of(
            lambda: live_count(rule, everyone, NOW, read=Filter(None)).count, 3
        )
        layering_seconds, buyers = time_layering(3)
    facts_count_seconds, facts_count = best_of(lambda: live_count(rule, everyone, NOW).count, 1)

    def ids() -> set[int]:  # a new queryset each round: a queryset caches its rows
        return set(matching_fast(parse_rule(rule), NOW).values_list("pk", flat=True))

    ids_seconds, product_ids = best_of(ids, 3)
    reference_seconds, same_reference = None, None
    if args.reference:
        qs = matching_customers(parse_rule(rule), NOW).values_list("pk", flat=True)
        reference_seconds, reference_ids = best_of(lambda: set(qs), 1)
        same_reference = reference_ids == product_ids
    export_started = time.perf_counter()
    tables = export_arrow()
    export_seconds = time.perf_counter() - export_started
    pandas_rounds = [pandas_segment(tables, tag_id) for _ in range(3)]
    pandas_ids = pandas_rounds[-1]
    pandas_seconds = pandas_segment.seconds  # type: ignore[attr-defined]
    same = (
        product_ids == pandas_ids
        and count == facts_count == len(pandas_ids)
        and same_reference is not False
    )
    print(f"\n{'path':<44}{'seconds':>10}{'members':>10}")
    print(f"{'generate (raw executemany)':<44}{build:>10.2f}")
    print(f"{'facts first fill (once)':<44}{fill_seconds:>10.2f}")
    print(f"{'read model first build (once)':<44}{build_seconds:>10.2f}")
    print(f"{'product: editor count (read model)':<44}{count_seconds:>10.3f}{count:>10,}")
    print(f"{'product: member ids (facts)':<44}{ids_seconds:>10.3f}{len(product_ids):>10,}")
    print(f"{'product: layering page (read model)':<44}{layering_seconds:>10.3f}{buyers:>10,}")
    print(
        f"{'editor count over the facts (SQL)':<44}{facts_count_seconds:>10.3f}{facts_count:>10,}"
    )
    if reference_seconds is not None:
        print(f"{'reference: ORM over orders':<44}{reference_seconds:>10.3f}")
    print(f"{'export to Arrow (once, for pandas)':<44}{export_seconds:>10.2f}")
    print(f"{'pandas baseline':<44}{pandas_seconds:>10.3f}{len(pandas_ids):>10,}")
    print(f"same result: {same}")
    print(
        json.dumps(
            {
                "bench": "segments",
                "customers": n,
                "orders": tables["customers_order"].num_rows,
                "seconds": round(count_seconds, 4),
                "baseline_seconds": round(pandas_seconds, 4),
                "count_seconds": round(count_seconds, 4),
                "ids_seconds": round(ids_seconds, 4),
                "facts_count_seconds": round(facts_count_seconds, 4),
                "read_model_build_seconds": round(build_seconds, 2),
                "layering_seconds": round(layering_seconds, 4),
                "reference_seconds": reference_seconds and round(reference_seconds, 3),
                "fill_seconds": round(fill_seconds, 2),
                "export_seconds": round(export_seconds, 2),
                "members": len(product_ids),
                "same_result": same,
            }
        )
    )


if __name__ == "__main__":
    main()
