"""The analytic engines the read model runs on, behind one small interface: the queries in
``metrics.py`` are written once and run unchanged on DuckDB (embedded, the default) and on
ClickHouse (the scale-out path: a server through ``clickhouse-connect``, or ``chdb``, the
same engine in-process, which is how CI tests the dialect).

The SQL is the subset both engines speak (GROUP BY, COUNT(DISTINCT), CASE, CTEs, joins,
``row_number()`` windows). Parameters are written ``:name`` and bound natively by each
engine (integers and strings); the two functions whose names differ (median, lag) come
from the engine. Tables are created from one schema here.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import pyarrow as pa  # type: ignore[import-untyped]  # ships no type information

Params = Mapping[str, int | str]

# table -> [(column, type)]; types: int64, int32, int8; a trailing "?" means nullable.
SCHEMA: dict[str, list[tuple[str, str]]] = {
    "rm_customers": [
        ("id", "int64"),
        ("acq_day", "int32?"),  # local date of first_seen_at, days since 1970-01-01
        ("acq_month", "int32?"),  # year × 12 + month - 1, local
        ("channel", "int64"),  # first channel tag id, 0 = none
        ("unit", "int64"),  # org unit id, 0 = none
        ("wecom", "int8"),  # has a WeCom external contact identity
        ("first_month", "int32?"),  # month of the first order, by (paid_s, id)
        ("second_month", "int32?"),  # month of the second order
        # Profile fields a segment rule may test (segments/readmodel_rules.py).
        ("lifecycle_stage", "str"),
        ("gender", "str"),
        ("region", "str"),
        ("spending_power", "str"),
    ],
    "rm_orders": [
        ("id", "int64"),
        ("customer_id", "int64"),
        ("paid_s", "int64"),  # epoch seconds (UTC)
        ("paid_day", "int32"),
        ("paid_month", "int32"),
        ("net_fen", "int64"),
        ("acq_day", "int32?"),
        ("acq_month", "int32?"),
        ("channel", "int64"),
        ("unit", "int64"),
        ("first_month", "int32?"),
        # paid_s of the customer's order before this one, by (paid_s, id); NULL on the first
        ("prev_paid_s", "int64?"),
    ],
    # One row per buyer (a customer with orders): what layering reads, as the order facts
    # of segments/facts.py hold it, in epoch seconds.
    "rm_buyers": [
        ("customer_id", "int64"),
        ("unit", "int64"),
        ("orders", "int64"),
        ("net_fen", "int64"),
        ("first_paid_s", "int64"),
        ("last_paid_s", "int64"),
        ("prev_paid_s", "int64?"),  # the latest payment before the last one's moment
    ],
    "rm_events": [
        ("customer_id", "int64"),
        ("day", "int32"),
        ("type", "str"),
        ("unit", "int64"),
    ],
    # Every tag of every active customer: what a segment rule's tag test reads.
    "rm_tags": [("customer_id", "int64"), ("tag_id", "int64")],
    # Where the refreshes have got to in the change feed, and the schema it was built with.
    "rm_state": [
        ("position_tx", "int64"),
        ("position_id", "int64"),
        ("refreshed_us", "int64"),
        ("schema_version", "str"),
    ],
}
# A read model built with another schema (an older release's shared ClickHouse) reads as
# not built: the worker rebuilds it and pages read the database until then.
SCHEMA_VERSION = hashlib.sha256(json.dumps(SCHEMA, sort_keys=True).encode()).hexdigest()[:16]
CUSTOMER_TABLES = {
    "rm_customers": "id",
    "rm_orders": "customer_id",
    "rm_buyers": "customer_id",
    "rm_events": "customer_id",
    "rm_tags": "customer_id",
}

_TABLES = re.compile(rf"\b({'|'.join(SCHEMA)})\b")
_PARAM = re.compile(r"(?<![:\w]):([a-z_][a-z0-9_]*)")


def arrow_schema(table: str) -> pa.Schema:
    kinds = {"int64": pa.int64(), "int32": pa.int32(), "int8": pa.int8(), "str": pa.string()}
    return pa.schema(
        [
            pa.field(name, kinds[kind.rstrip("?")], nullable=kind.endswith("?"))
            for name, kind in SCHEMA[table]
        ]
    )


class Engine(Protocol):
    name: str

    def create(self) -> None:
        """Drop and create the read model's tables, empty."""

    def insert(self, table: str, rows: pa.Table) -> None: ...

    def delete_customers(self, ids: Sequence[int]) -> None:
        """Remove every row of these customers from every table."""

    def clear(self, table: str) -> None: ...

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]: ...

    def arrow(self, sql: str, params: Params | None = None) -> pa.Table: ...

    def median(self, expr: str) -> str:
        """Exact median with linear interpolation (numpy's)."""


class DuckDBEngine:
    """In-process DuckDB; in memory unless given a file path."""

    name = "duckdb"

    def __init__(self, path: str = ":memory:") -> None:
        import duckdb

        self.db = duckdb.connect(path)

    def create(self) -> None:
        types = {"int64": "BIGINT", "int32": "INTEGER", "int8": "TINYINT", "str": "VARCHAR"}
        for table, columns in SCHEMA.items():
            cols = ", ".join(
                f"{n} {types[k.rstrip('?')]}{'' if k.endswith('?') else ' NOT NULL'}"
                for n, k in columns
            )
            self.db.execute(f"DROP TABLE IF EXISTS {table}")
            self.db.execute(f"CREATE TABLE {table} ({cols})")

    def insert(self, table: str, rows: pa.Table) -> None:
        if rows.num_rows:
            self.db.register("incoming", rows)
            self.db.execute(f"INSERT INTO {table} SELECT * FROM incoming")  # noqa: S608
            self.db.unregister("incoming")

    def delete_customers(self, ids: Sequence[int]) -> None:
        if not ids:
            return
        self.db.register("gone", pa.table({"id": pa.array(list(ids), pa.int64())}))
        for table, column in CUSTOMER_TABLES.items():
            self.db.execute(f"DELETE FROM {table} WHERE {column} IN (SELECT id FROM gone)")  # noqa: S608
        self.db.unregister("gone")

    def clear(self, table: str) -> None:
        self.db.execute(f"DELETE FROM {table}")  # noqa: S608

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        return self.db.execute(_PARAM.sub(r"$\1", sql), dict(params or {})).fetchall()

    def arrow(self, sql: str, params: Params | None = None) -> pa.Table:
        return self.db.sql(_PARAM.sub(r"$\1", sql), params=dict(params or {})).to_arrow_table()

    def median(self, expr: str) -> str:
        return f"quantile_cont({expr}, 0.5)"


def _clickhouse_params(sql: str, params: Params) -> str:
    def typed(match: re.Match[str]) -> str:
        name = match.group(1)
        kind = "String" if isinstance(params[name], str) else "Int64"
        return f"{{{name}:{kind}}}"

    return _PARAM.sub(typed, sql)


class ClickHouseDialect:
    """What ClickHouse engines share: DDL and the two functions spelt differently."""

    name = "clickhouse"
    database = "siyu_rm"

    def ddl(self) -> list[str]:
        types = {"int64": "Int64", "int32": "Int32", "int8": "Int8", "str": "String"}
        out = [f"CREATE DATABASE IF NOT EXISTS {self.database}"]
        for table, columns in SCHEMA.items():
            cols = ", ".join(
                f"{n} {f'Nullable({types[k[:-1]]})' if k.endswith('?') else types[k]}"
                for n, k in columns
            )
            key = CUSTOMER_TABLES.get(table)
            order = f"ORDER BY {key}" if key else "ORDER BY tuple()"
            out.append(f"DROP TABLE IF EXISTS {table}")
            out.append(f"CREATE TABLE {table} ({cols}) ENGINE = MergeTree {order}")
        return [self.qualify(statement) for statement in out]

    def qualify(self, sql: str) -> str:
        return re.sub(_TABLES, rf"{self.database}.\1", sql)

    def deletes(self, ids: Sequence[int]) -> list[str]:
        listed = ", ".join(str(int(i)) for i in ids)
        return [
            f"DELETE FROM {self.database}.{table} WHERE {column} IN ({listed})"  # noqa: S608
            for table, column in CUSTOMER_TABLES.items()
        ]

    def median(self, expr: str) -> str:
        return f"quantileExactInclusive(0.5)({expr})"


class ChdbEngine(ClickHouseDialect):
    """ClickHouse in-process (chdb): tests the ClickHouse dialect without a server."""

    def __init__(self, path: str | None = None) -> None:
        from chdb import session  # type: ignore[import-not-found,unused-ignore]

        opened: Any = session.Session
        self.session: Any = opened(path) if path else opened()

    def _run(self, sql: str, params: Params | None = None, fmt: str = "CSV") -> Any:
        text = self.qualify(sql)
        if params:
            return self.session.query(_clickhouse_params(text, params), fmt, params=dict(params))
        return self.session.query(text, fmt)

    def create(self) -> None:
        for statement in self.ddl():
            self.session.query(statement)

    def insert(self, table: str, rows: pa.Table) -> None:
        if rows.num_rows:
            incoming = rows  # noqa: F841  # read by name by chdb's Python() table function
            self._run(f"INSERT INTO {table} SELECT * FROM Python(incoming)")  # noqa: S608

    def delete_customers(self, ids: Sequence[int]) -> None:
        if ids:
            for statement in self.deletes(ids):
                self.session.query(statement)

    def clear(self, table: str) -> None:
        self._run(f"TRUNCATE TABLE {table}")

    def arrow(self, sql: str, params: Params | None = None) -> pa.Table:
        return self._run(sql, params, "ArrowTable")

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        table = self.arrow(sql, params)
        columns = [c.to_pylist() for c in table.columns]
        return list(zip(*columns, strict=True))


class ClickHouseEngine(ClickHouseDialect):
    """A ClickHouse server through clickhouse-connect (the scale-out deployment)."""

    def __init__(self, url: str) -> None:
        import clickhouse_connect  # type: ignore[import-not-found,unused-ignore]

        self.client = clickhouse_connect.get_client(dsn=url)

    def create(self) -> None:
        for statement in self.ddl():
            self.client.command(statement)

    def insert(self, table: str, rows: pa.Table) -> None:
        if rows.num_rows:
            self.client.insert_arrow(f"{self.database}.{table}", rows)

    def delete_customers(self, ids: Sequence[int]) -> None:
        if ids:
            for statement in self.deletes(ids):
                self.client.command(statement)

    def clear(self, table: str) -> None:
        self.client.command(f"TRUNCATE TABLE {self.database}.{table}")

    def arrow(self, sql: str, params: Params | None = None) -> pa.Table:
        text = self.qualify(sql)
        if params:
            text = _clickhouse_params(text, params)
        return self.client.query_arrow(text, parameters=dict(params or {}))

    def rows(self, sql: str, params: Params | None = None) -> list[tuple[Any, ...]]:
        text = self.qualify(sql)
        if params:
            text = _clickhouse_params(text, params)
        return [
            tuple(r) for r in self.client.query(text, parameters=dict(params or {})).result_rows
        ]
