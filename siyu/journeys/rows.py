"""Many rows in one statement from plain tuples: the engine's and the enrolment's writes.

A batch writes thousands of rows (effects, tags, change rows, enrollments) that differ in
a few columns; building a model instance per row and preparing its values one field at a
time was most of a batch's time. Here the caller passes the values as tuples, JSON
already encoded (``dumps``) and datetimes through ``db_time`` (once per batch, not per row).
SQLite takes them with the driver's ``executemany`` (one prepared statement); PostgreSQL
with ``COPY`` — through a temporary table when conflicting rows are to be skipped, since
``COPY`` has no ``ON CONFLICT``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models
from django.db.models.expressions import RawSQL

Values = tuple[Any, ...]
_names = itertools.count()


def dumps(value: object) -> str:
    """JSON as Django's JSONField writes it."""
    return json.dumps(value)


def db_time(value: datetime) -> Any:
    """A datetime as the database takes it (SQLite: Django's text form; once per batch)."""
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def among(ids: Iterable[int]) -> RawSQL:
    """Ids for an ``__in`` filter as one parameter (a JSON array): a list of thousands of
    parameters cost more to build into SQL than the statement took to run."""
    data = json.dumps(sorted(ids))
    if connection.vendor == "postgresql":
        return RawSQL("SELECT jsonb_array_elements_text(%s::jsonb)::bigint", [data])
    return RawSQL("SELECT value FROM json_each(%s)", [data])


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Values], *, skip: bool = False
) -> int:
    """Insert ``rows`` (one value per field in ``names``); returns how many went in.
    ``skip``: a row that breaks a unique constraint is left out, not an error. Call it
    inside a transaction (the rows commit with the rest of the caller's work)."""
    if not rows:
        return 0
    meta = model._meta
    fields = [meta.get_field(n) for n in names]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(str(getattr(f, "column", ""))) for f in fields)
    if connection.vendor == "postgresql":
        return _copy(table, columns, rows, skip=skip)
    verb = "INSERT OR IGNORE" if skip else "INSERT"
    sql = f"{verb} INTO {table} ({columns}) VALUES ({', '.join(['?'] * len(fields))})"
    with connection.cursor() as cur, connection.wrap_database_errors:
        cur.cursor.executemany(sql, rows)
        return int(cur.cursor.rowcount)


def _copy(table: str, columns: str, rows: Sequence[Values], *, skip: bool) -> int:
    with connection.cursor() as cur, connection.wrap_database_errors:
        target = table
        if skip:
            target = f"journeys_load_{next(_names)}"
            cur.execute(
                f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "  # noqa: S608
                f"SELECT {columns} FROM {table} WITH NO DATA"
            )
        with cur.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        if not skip:
            return len(rows)
        cur.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {target} "  # noqa: S608
            "ON CONFLICT DO NOTHING"
        )
        count = int(cur.rowcount)
        cur.execute(f"DROP TABLE {target}")
        return count
