"""Plain tuples into a table at the database's own bulk speed: the one writer under the
send log, the journey engine's batches, identity resolution and imports.

Building a model instance per row and preparing its values field by field was most of
those writes' time, so callers pass tuples whose values the driver takes as they are
(SQLite: instants already adapted to text, once per batch). PostgreSQL takes them with
``COPY`` (formatted by the driver's C code) — through a temporary table when conflicting
rows are to be skipped, since ``COPY`` has no ``ON CONFLICT``; SQLite with the driver's own
``executemany`` (Django's wrapper rewrites the parameters row by row). Errors are Django's
(an ``IntegrityError``, a lock timeout's ``OperationalError``), which retries understand.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection

_names = itertools.count()


def copy_rows(
    table: str,
    columns: Sequence[str],
    rows: Iterable[tuple[Any, ...]],
    *,
    chunk: int | None = None,
    skip: bool = False,
) -> int:
    """Insert ``rows`` (one value per column) into ``table``; returns how many went in.
    ``chunk``: rows per ``executemany`` on SQLite (None: all in one, for rows already in
    a list). ``skip``: a row that breaks a unique constraint is left out, not an error.
    Inside the caller's transaction, the rows commit with the rest of its work."""
    quote = connection.ops.quote_name
    target, names = quote(table), ", ".join(quote(c) for c in columns)
    with connection.cursor() as cur, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            return _copy(cur, target, names, rows, skip=skip)
        verb = "INSERT OR IGNORE" if skip else "INSERT"
        sql = f"{verb} INTO {target} ({names}) VALUES ({', '.join(['?'] * len(columns))})"
        raw = cur.cursor
        if chunk is None:
            raw.executemany(sql, rows)
            return max(int(raw.rowcount), 0)
        done, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) >= chunk:
                raw.executemany(sql, batch)
                done += max(raw.rowcount, 0)
                batch.clear()
        if batch:
            raw.executemany(sql, batch)
            done += max(raw.rowcount, 0)
        return done


def _copy(cur: Any, table: str, names: str, rows: Iterable[tuple[Any, ...]], *, skip: bool) -> int:
    target = table
    if skip:
        target = f"siyu_load_{next(_names)}"
        cur.execute(
            f"CREATE TEMPORARY TABLE {target} ON COMMIT DROP AS "  # noqa: S608 - quoted names
            f"SELECT {names} FROM {table} WITH NO DATA"
        )
    written = 0
    with cur.cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    if not skip:
        return written
    cur.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM {target} "  # noqa: S608 - quoted names
        "ON CONFLICT DO NOTHING"
    )
    count = int(cur.rowcount)
    cur.execute(f"DROP TABLE {target}")
    return count
