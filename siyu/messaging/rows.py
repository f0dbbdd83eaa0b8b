"""Writing the send log fast: one statement per chunk of plain tuples.

A planned send to a million customers writes a million rows; building a model instance
and compiling an INSERT per row cost more than all the policy decisions together. Rows
go as tuples through siyu.core.bulk_rows (SQLite: values adapted once per distinct instant);
tested on both through the send verb's tests.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection

from siyu.core.bulk_rows import copy_rows
from siyu.core.table_stats import analyze
from siyu.messaging.models import Send

COLUMNS = (
    "plan_id", "source", "source_id", "recipient", "channel", "priority", "customer_id",
    "chat_id", "staff_id", "task_id", "status", "reason", "due_at", "local_day",
    "budget_state", "budget_window", "external_id", "attempts", "last_error", "created_at",
    "sent_at",
)  # fmt: skip


# The instants and the date of a row of COLUMNS are all in its tail, from ``status`` on:
# the decision's part, shared by most rows of a chunk.
TAIL = COLUMNS.index("status")
INSTANTS = tuple(
    COLUMNS.index(c) - TAIL for c in ("due_at", "budget_window", "created_at", "sent_at")
)
DAY = COLUMNS.index("local_day") - TAIL


def _sqlite_tail(tail: tuple[Any, ...]) -> tuple[Any, ...]:
    ops = connection.ops
    values = list(tail)
    for i in INSTANTS:
        values[i] = ops.adapt_datetimefield_value(values[i])
    values[DAY] = ops.adapt_datefield_value(values[DAY])
    return tuple(values)


def _sqlite_values(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """SQLite stores instants as text: adapt each distinct tail once (a chunk holds few)."""
    seen: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    out = []
    for row in rows:
        tail = row[TAIL:]
        adapted = seen.get(tail)
        if adapted is None:
            adapted = seen[tail] = _sqlite_tail(tail)
        out.append(row[:TAIL] + adapted)
    return out


def insert_sends(rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    values = rows if connection.vendor == "postgresql" else _sqlite_values(rows)
    copy_rows(Send._meta.db_table, COLUMNS, values)


def send_rows(
    keys: Sequence[str], columns: Sequence[str], where: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """(recipient, *columns) of the send log's rows of these recipients matching ``where``
    (column → a value or a list of values; ``column__range`` → (first, last);
    ``column__ne`` → a value it is not), the recipient's index read once per
    key. On PostgreSQL a LATERAL probe per key: a plan fills the log faster than its
    statistics follow, and joined as a set the planner drove from a stale "1 row" estimate
    (measured: the plan's own rows tested against every key, 40 s for 20,000
    recipients, growing with the square of the plan)."""
    if not keys:
        return []
    quote = connection.ops.quote_name
    table = quote(Send._meta.db_table)
    tests, params = [], []
    for name, value in where.items():
        column, _, op = name.partition("__")
        values = list(value) if isinstance(value, list | tuple) else [value]
        if op == "range":  # (first, last), both included
            tests.append(f"{quote(column)} BETWEEN %s AND %s")
        elif op == "ne":
            tests.append(f"{quote(column)} <> %s")
        else:
            tests.append(f"{quote(column)} IN ({', '.join(['%s'] * len(values))})")
        params.extend(_adapted(values))
    names = ", ".join(quote(c) for c in columns)
    test = " AND ".join(tests) or "TRUE"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT k.key, s.* FROM unnest(%s::text[]) AS k(key) CROSS JOIN LATERAL"  # noqa: S608 - quoted names
            f" (SELECT {names} FROM {table} WHERE recipient = k.key AND {test} OFFSET 0) s"
        )
        args = [list(keys), *params]
    else:
        sql = (
            f"SELECT recipient, {names} FROM {table}"  # noqa: S608 - quoted names
            f" WHERE recipient IN (SELECT value FROM json_each(%s)) AND {test}"
        )
        args = [json.dumps(list(keys)), *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return list(cursor.fetchall())


def _adapted(values: list[Any]) -> list[Any]:
    if connection.vendor == "postgresql":
        return values
    ops = connection.ops
    out: list[Any] = []
    for v in values:
        if isinstance(v, datetime):
            out.append(ops.adapt_datetimefield_value(v))
        elif isinstance(v, date):
            out.append(ops.adapt_datefield_value(v))
        else:
            out.append(v)
    return out


class LogStatistics:
    """PostgreSQL's statistics of the send log, kept up with a plan that fills it.

    Taken while the log was (nearly) empty, they made every index look alike, and the
    per-key reads of the caps and the budget probed the idempotency index, whose third
    column is the recipient: a scan of the whole index per key (measured: 30 s of server
    time for 20,000 recipients instead of 1.5). The log is analysed again each time the
    rows it holds have doubled since its statistics were taken (and first if its pages
    have): a few times a plan on a young log, never on a mature one."""

    def __init__(self, chunk: int) -> None:
        self.chunk = chunk
        self.known = self.rows = -1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT GREATEST(reltuples, 0)::bigint, relpages,"
                    " pg_relation_size(oid) / current_setting('block_size')::int"
                    " FROM pg_class WHERE oid = %s::regclass",
                    [Send._meta.db_table],
                )
                tuples, pages, pages_now = cursor.fetchone()
            self.known = self.rows = int(tuples)
            if pages_now >= 2 * pages + 10:  # grown (or bloated) since: stale already
                self.analyze()

    def wrote(self, n: int) -> None:
        if self.known < 0:
            return
        self.rows += n
        if self.rows >= 2 * self.known + self.chunk:
            self.analyze()

    def analyze(self) -> None:
        analyze(Send)
        self.known = self.rows
