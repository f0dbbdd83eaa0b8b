"""Insert many rows of one model and learn their ids, fast on PostgreSQL.

Django's ``bulk_create`` on PostgreSQL sends each column as one array parameter, which the
driver quotes in Python element by element (client-side binding); for the thousand-row
inserts of a segment refresh (stints, their events, the events' change rows) that quoting
was most of the consumer's time. On PostgreSQL the ids are taken from the table's sequence
first and the rows go in with COPY (formatted by the driver's C code); elsewhere
``bulk_create``, which returns ids itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from django.db import connection
from django.db.models import Model

M = TypeVar("M", bound=Model)


def insert_all(model: type[M], rows: Sequence[M]) -> list[M]:
    """Insert ``rows`` (new, unsaved) and set their primary keys; returns them."""
    if not rows:
        return []
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(rows, batch_size=1000)
    meta = model._meta
    pk = meta.pk
    assert pk is not None  # noqa: S101 - every concrete model has one
    fields = [f for f in meta.concrete_fields if f is not pk]
    with connection.cursor() as cur:
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
                values = [f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields]
                copy.write_row([new_id, *values])
                obj.pk = new_id
                obj._state.adding = False
    return list(rows)
