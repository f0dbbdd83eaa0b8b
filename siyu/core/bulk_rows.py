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
        return _sqlite_insert(
            cur.cursor, f"{verb} INTO {target} ({names})", len(columns), rows, chunk
        )


# SQLite: rows per INSERT statement. A statement per row (executemany's way) spent a
# third of an insert's CPU starting, binding and finishing statements; a few hundred
# rows a statement took 1.5x as many rows per CPU second into the journey engine's
# effects table (measured: 357k → 547k at 100 rows, 572k at 300). Its bound parameters
# stay far below SQLite's 32,766.
_ROWS_PER_STATEMENT = 300
_PARAMETERS_PER_STATEMENT = 6000


def _sqlite_insert(
    raw: Any, head: str, width: int, rows: Iterable[tuple[Any, ...]], chunk: int | None
) -> int:
    per = max(1, min(_ROWS_PER_STATEMENT, _PARAMETERS_PER_STATEMENT // width))
    one = f"({', '.join(['?'] * width)})"
    many_sql, one_sql = f"{head} VALUES {', '.join([one] * per)}", f"{head} VALUES {one}"
    done, source = 0, iter(rows)
    while block := list(itertools.islice(source, chunk)) if chunk else list(source):
        whole = len(block) - len(block) % per
        if whole:
            raw.executemany(
                many_sql,
                [
                    tuple(itertools.chain.from_iterable(block[i : i + per]))
                    for i in range(0, whole, per)
                ],
            )
            done += max(int(raw.rowcount), 0)
        if whole < len(block):
            raw.executemany(one_sql, block[whole:])
            done += max(int(raw.rowcount), 0)
        if not chunk:
            break
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
