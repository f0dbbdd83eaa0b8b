"""Metrics at scale: a columnar snapshot of orders pulled from the database into Arrow, and
the GMV factors and cohort retention computed on it by DuckDB in-process.

The OLTP database stays the source of truth; the snapshot denormalises the acquisition
month (from ``first_seen_at``) onto every order (PostHog's lesson: joins are what hurt
analytic scans) and keeps months as integers (year × 12 + month - 1), so the analytic SQL
below uses nothing but GROUP BY, COUNT(DISTINCT) and SUM and runs unchanged on ClickHouse
when we scale out. Only the extraction query is per database.

Months are calendar months in the brand's zone, like every dashboard: the database hands
over UTC epoch seconds and Arrow buckets them in the zone (with its tz database, so a zone
with daylight saving is right too). Bucketing in UTC put an order paid at 01:00 on the 1st
in Shanghai into the previous month.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa  # type: ignore[import-untyped]  # ships no type information
import pyarrow.compute as pc  # type: ignore[import-untyped]
from django.db import connection
from django.utils import timezone

from siyu.analytics.gmv import GmvFactors

FETCH = 500_000

# UTC epoch seconds of a stored aware datetime (SQLite keeps UTC text).
_EPOCH = {
    "sqlite": "CAST(strftime('%s', {c}) AS INTEGER)",
    "postgresql": "EXTRACT(EPOCH FROM {c})::bigint",
}

GMV_SQL = """
SELECT paid_month, COUNT(*) AS orders, COUNT(DISTINCT customer_id) AS buyers,
       SUM(net_fen) AS gmv
FROM orders WHERE paid_month IN (?, ?) GROUP BY paid_month
"""
USERS_SQL = "SELECT COUNT(*) FROM customers WHERE acq_month <= ?"
COHORT_SQL = """
SELECT acq_month, paid_month - acq_month AS k, COUNT(DISTINCT customer_id) AS active
FROM orders GROUP BY acq_month, paid_month - acq_month
"""
SIZES_SQL = "SELECT acq_month, COUNT(*) FROM customers GROUP BY acq_month"


@dataclass(frozen=True)
class Snapshot:
    customers: pa.Table  # id, acq_month
    orders: pa.Table  # customer_id, acq_month, paid_month, net_fen


def _fetch(sql: str, names: list[str], months: set[str]) -> pa.Table:
    """Rows of integers; the columns in ``months`` arrive as epoch seconds and leave as
    month indexes in the brand's zone."""
    chunks: list[np.ndarray] = []
    with connection.cursor() as cursor:
        cursor.execute(sql)
        while rows := cursor.fetchmany(FETCH):
            chunks.append(np.array(rows, dtype=np.int64))
    data = np.concatenate(chunks) if chunks else np.zeros((0, len(names)), dtype=np.int64)
    return pa.table(
        {
            name: local_month(data[:, i]) if name in months else data[:, i]
            for i, name in enumerate(names)
        }
    )


def local_month(epoch_seconds: np.ndarray) -> np.ndarray:
    """year × 12 + month - 1 of each moment, in the brand's zone."""
    zone = timezone.get_default_timezone_name()
    moments = pa.array(epoch_seconds, type=pa.timestamp("s", tz="UTC")).cast(
        pa.timestamp("s", tz=zone)
    )
    year = pc.year(moments).to_numpy(zero_copy_only=False).astype(np.int64)
    month = pc.month(moments).to_numpy(zero_copy_only=False).astype(np.int64)
    out: np.ndarray = year * 12 + month - 1
    return out


def load_snapshot() -> Snapshot:
    """Active customers and their orders, as Arrow tables (a full refresh; incremental
    refresh by order id is the next step when a dashboard needs it)."""
    epoch = _EPOCH[connection.vendor]
    customers = _fetch(
        f"SELECT id, {epoch.format(c='first_seen_at')} FROM customers_customer "  # noqa: S608
        "WHERE status = 'active' AND first_seen_at IS NOT NULL",
        ["id", "acq_month"],
        {"acq_month"},
    )
    orders = _fetch(
        f"SELECT o.customer_id, {epoch.format(c='c.first_seen_at')}, "  # noqa: S608
        f"{epoch.format(c='o.paid_at')}, o.paid_fen - o.refunded_fen "
        "FROM customers_order o JOIN customers_customer c ON c.id = o.customer_id "
        "WHERE c.status = 'active' AND c.first_seen_at IS NOT NULL",
        ["customer_id", "acq_month", "paid_month", "net_fen"],
        {"acq_month", "paid_month"},
    )
    return Snapshot(customers, orders)


def _connect(snapshot: Snapshot) -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.register("customers", snapshot.customers)
    db.register("orders", snapshot.orders)
    return db


def month_factors(snapshot: Snapshot, base: int, month: int) -> tuple[GmvFactors, GmvFactors]:
    """GMV factors of two calendar months (integer month indexes)."""
    db = _connect(snapshot)
    rows = {r[0]: r for r in db.execute(GMV_SQL, [base, month]).fetchall()}
    out = []
    for m in (base, month):
        users = db.execute(USERS_SQL, [m]).fetchone()
        _, orders, buyers, gmv = rows.get(m, (m, 0, 0, 0))
        out.append(GmvFactors(int(users[0]) if users else 0, int(buyers), int(orders), int(gmv)))
    return out[0], out[1]


def retention_matrix(snapshot: Snapshot) -> dict[tuple[int, int], float]:
    """(acquisition month, months since) → share of the cohort that bought then."""
    db = _connect(snapshot)
    sizes = dict(db.execute(SIZES_SQL).fetchall())
    return {
        (acq, k): active / sizes[acq]
        for acq, k, active in db.execute(COHORT_SQL).fetchall()
        if acq in sizes
    }
