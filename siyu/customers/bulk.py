"""Insert many rows of one model and learn their ids, fast on PostgreSQL.

Django's ``bulk_create`` on PostgreSQL sends each column as one array parameter, which the
driver quotes in Python element by element (client-side binding); for the thousand-row
inserts of a segment refresh (stints, their events, the events' change rows) that quoting
was most of the consumer's time. On PostgreSQL the ids are taken from the table's sequence
first and the rows go in with COPY (formatted by the driver's C code). On SQLite the rows
go in with the driver's executemany inside one transaction, which holds SQLite's single
write lock from the first row on: the ids of an AUTOINCREMENT table are then consecutive
and end at ``last_insert_rowid()``. Elsewhere ``bulk_create``, which returns ids itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)
# Field classes whose Python value goes to COPY as it is (no conversion, no pre_save);
# exact classes only, so a subclass with its own conversion (encrypted text) is converted.
PLAIN: frozenset[type[Field[Any, Any]]] = frozenset(
    {
        models.CharField,
        models.BooleanField,
        models.IntegerField,
        models.BigIntegerField,
        models.PositiveIntegerField,
        models.PositiveBigIntegerField,
        models.ForeignKey,
    }
)


def insert_all(model: type[M], rows: Sequence[M]) -> list[M]:
    """Insert ``rows`` (new, unsaved) and set their primary keys; returns them."""
    if not rows:
        return []
    if connection.vendor == "sqlite":
        return _insert_sqlite(model, rows)
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(rows, batch_size=1000)
    meta = model._meta
    pk = meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    fields = [f for f in meta.concrete_fields if f is not pk]
    db = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: the proxy costs a lookup per value
    plain = [type(f) in PLAIN for f in fields]
    with db.cursor() as cur:
        cur.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        ids = [row[0] for row in cur.fetchall()]
        columns = ", ".join(
            connection.ops.quote_name(c) for c in [pk.column, *(f.column for f in fields)]
        )
        sql = f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN"
        with cur.cursor.copy(sql) as copy:
            for obj, new_id in zip(rows, ids, strict=True):
                values = [
                    obj.__dict__[f.attname]
                    if simple
                    else f.get_db_prep_save(f.pre_save(obj, True), db)
                    for f, simple in zip(fields, plain, strict=True)
                ]
                copy.write_row([new_id, *values])
                obj.pk = new_id
                obj._state.adding = False
    return list(rows)


def _values(fields: list[Field[Any, Any]], obj: Model, db: Any) -> tuple[Any, ...]:
    return tuple(
        obj.__dict__[f.attname]
        if type(f) in PLAIN
        else f.get_db_prep_save(f.pre_save(obj, True), db)
        for f in fields
    )


def _insert_sqlite(model: type[M], rows: Sequence[M]) -> list[M]:
    meta = model._meta
    pk = meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    fields = [f for f in meta.concrete_fields if f is not pk]
    db = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["?"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    values = [_values(fields, obj, db) for obj in rows]
    with transaction.atomic(), db.cursor() as cur, db.wrap_database_errors:
        cur.cursor.executemany(sql, values)
        cur.execute("SELECT last_insert_rowid()")
        last = int(cur.fetchone()[0])
    for new_id, obj in zip(range(last - len(rows) + 1, last + 1), rows, strict=True):
        obj.pk = new_id
        obj._state.adding = False
    return list(rows)
