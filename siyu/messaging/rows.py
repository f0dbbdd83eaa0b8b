"""Writing the send log fast: one statement per chunk of plain tuples.

A planned send to a million customers writes a million rows; building a model instance
and compiling an INSERT per row cost more than all the policy decisions together. Rows
go as tuples: ``executemany`` on SQLite (values adapted once per distinct instant), COPY on
PostgreSQL. Tested on both through the send verb's tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import QuerySet

from siyu.messaging.models import Send

M = TypeVar("M", bound=models.Model)

COLUMNS = (
    "plan_id", "source", "source_id", "recipient", "channel", "priority", "customer_id",
    "chat_id", "staff_id", "task_id", "status", "reason", "due_at", "local_day",
    "budget_state", "budget_window", "external_id", "attempts", "last_error", "created_at",
    "sent_at",
)  # fmt: skip


# Positions of the instants and the date in a row of COLUMNS.
INSTANTS = tuple(COLUMNS.index(c) for c in ("due_at", "budget_window", "created_at", "sent_at"))
DAY = COLUMNS.index("local_day")


def _sqlite_values(rows: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    """SQLite stores instants as text: adapt each distinct one once (a chunk holds few)."""
    ops = connection.ops
    seen: dict[Any, Any] = {None: None}
    out = []
    for row in rows:
        values = list(row)
        for i in INSTANTS:
            value = values[i]
            if value not in seen:
                seen[value] = ops.adapt_datetimefield_value(value)
            values[i] = seen[value]
        values[DAY] = ops.adapt_datefield_value(values[DAY])
        out.append(values)
    return out


def insert_sends(rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    table = connection.ops.quote_name(Send._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        marks = ", ".join(["%s"] * len(COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", _sqlite_values(rows))  # noqa: S608 - fixed column names


def among(rows: QuerySet[M], field: str, values: Iterable[Any]) -> QuerySet[M]:
    """``rows`` whose ``field`` is one of ``values``, as one bound parameter: a chunk's
    2,000-value ``__in`` costs Django more to build than the database to answer."""
    meta = rows.model._meta
    quote = connection.ops.quote_name
    column = str(getattr(meta.get_field(field), "column", field))
    ref = f"{quote(meta.db_table)}.{quote(column)}"
    if connection.vendor == "postgresql":
        return rows.extra(where=[f"{ref} = ANY(%s)"], params=[list(values)])  # noqa: S610 - fixed SQL, bound values
    where = f"{ref} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a quoted column name
    return rows.extra(where=[where], params=[json.dumps(list(values))])  # noqa: S610 - fixed SQL, bound values
