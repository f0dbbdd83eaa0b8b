"""Inserting many new rows at the speed of the database, not of the ORM: ids are reserved
first (so the caller can link rows to each other without reading them back), then rows go
in with COPY on PostgreSQL and the driver's executemany on SQLite (siyu.core.bulk_rows).

Values pass through each field's own ``get_db_prep_save``, so encrypted fields are
encrypted and times adapted exactly as a model save would; only the fields a row sets are
prepared per row, the model's defaults once per table.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from operator import itemgetter
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

from siyu.core.bulk_rows import copy_rows

PLAIN_TYPES: set[type[Any]] = {
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BooleanField,
}
_templates: dict[type[models.Model], tuple[list[models.Field[Any, Any]], list[Any]]] = {}


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys for ``model``. Must run inside the transaction that
    inserts them: on SQLite that transaction holds the one write lock, so nobody else can
    take the ids between this read and the insert."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [int(r[0]) for r in cur.fetchall()]
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our table name
        start = int(cur.fetchone()[0])
    return list(range(start + 1, start + count + 1))


def _template(model: type[models.Model]) -> tuple[list[models.Field[Any, Any]], list[Any]]:
    if model not in _templates:
        fields = list(model._meta.concrete_fields)
        blank = model()
        values = [
            None if f.primary_key else f.get_db_prep_save(getattr(blank, f.attname), connection)
            for f in fields
        ]
        _templates[model] = (fields, values)
    return _templates[model]


def insert_rows(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows given as {attname: value}; every row must carry its ``id``."""
    if not rows:
        return
    fields, defaults = _template(model)
    index = {f.attname: n for n, f in enumerate(fields)}
    conn = connections[DEFAULT_DB_ALIAS]  # the proxy's per-access lookup is costly here
    # Integers, text and foreign keys go to the driver as they are; times, dates, JSON
    # and encrypted text need their field's preparation.
    plain = {
        f.attname
        for f in fields
        if type(f) in PLAIN_TYPES or isinstance(f, models.ForeignKey) or f.primary_key
    }

    moment = _moment_preparation(conn)
    exact_moments = {n for n, f in enumerate(fields) if type(f) is models.DateTimeField}

    def prepare(n: int, value: Any) -> Any:
        if type(value) is datetime and n in exact_moments and value.tzinfo is not None:
            return moment(value)
        return fields[n].get_db_prep_save(value, conn)

    def prepared() -> Any:
        for values in rows:
            row = list(defaults)
            for name, value in values.items():
                n = index[name]
                row[n] = value if name in plain else prepare(n, value)
            yield tuple(row)

    whole = len(rows[0]) == len(index) > 1
    needs = [n for n, f in enumerate(fields) if f.attname not in plain]
    values = _in_column_order(rows, list(index), needs, prepare) if whole else prepared()
    copy_rows(model._meta.db_table, [f.column for f in fields], values, chunk=5_000)


def _in_column_order(
    rows: Sequence[dict[str, Any]], names: list[str], needs: list[int], prepare: Any
) -> Any:
    """Rows that name every column (built by one expression: the same keys), each read in
    column order in one call; only the columns in ``needs`` are prepared."""
    get = itemgetter(*names)
    for values in rows:
        if len(values) != len(names):
            raise ValueError("every row must name every column")
        if not needs:
            yield get(values)
            continue
        row = list(get(values))
        for n in needs:
            row[n] = prepare(n, row[n])
        yield tuple(row)


def _moment_preparation(conn: Any) -> Any:
    """An aware time as the driver wants it, as ``DateTimeField.get_db_prep_save`` gives
    it: PostgreSQL takes the aware datetime itself; SQLite stores text in the connection's
    zone (UTC), which is the field's result without its per-value checks."""
    if conn.vendor == "postgresql":
        return lambda value: value
    if conn.vendor != "sqlite" or conn.timezone != UTC:
        return lambda value: conn.ops.adapt_datetimefield_value(value)
    # A chunk's rows share few instants (created_at and updated_at are one moment for all
    # of them): converting each once was a fifteenth of a customer import. The text
    # depends on the instant only, and equal instants hash alike whatever their zone.
    return functools.lru_cache(maxsize=4096)(_sqlite_text)


def _sqlite_text(value: datetime) -> str:
    return str(value.astimezone(UTC).replace(tzinfo=None))
