"""Inserting many new rows at the speed of the database, not of the ORM: ids are reserved
first (so the caller can link rows to each other without reading them back), then rows go
in with COPY on PostgreSQL and the driver's executemany on SQLite (siyu.core.bulk_rows).

Values pass through each field's own ``get_db_prep_save``, so encrypted fields are
encrypted and times adapted exactly as a model save would; only the fields a row sets are
prepared per row, the model's defaults once per table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
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


def reserve_ids(model: type[models.Model], count: int) -> Sequence[int]:
    """``count`` fresh primary keys for ``model``, ascending. Must run inside the
    transaction that inserts them: on SQLite that transaction holds the one write lock,
    so nobody else can take the ids between this read and the insert."""
    if count == 0:
        return []
    table = model._meta.db_table
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Taken one by one (a concurrent writer may take some in between), but only
            # their bounds come back when nobody did: sending a million ids to Python was
            # a fifth of a bulk load.
            cur.execute(
                "SELECT min(v), max(v) FROM (SELECT nextval(pg_get_serial_sequence(%s, 'id'))"
                " AS v FROM generate_series(1, %s)) taken",
                [table, count],
            )
            low, high = cur.fetchone()
            if high - low + 1 == count:
                return range(int(low), int(high) + 1)
            cur.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return sorted(int(r[0]) for r in cur.fetchall())
        cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - our table name
        start = int(cur.fetchone()[0])
    return range(start + 1, start + count + 1)


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
    if rows:
        columns, values = prepared_rows(model, rows)
        copy_rows(model._meta.db_table, columns, values, chunk=5_000)


def prepared_rows(
    model: type[models.Model], rows: Sequence[dict[str, Any]]
) -> tuple[list[str], Iterator[tuple[Any, ...]]]:
    """The table's columns and, lazily, each row as the tuple the driver takes: the half
    of ``insert_rows`` that needs no database, so another process can do it."""
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

    def general(values: dict[str, Any]) -> tuple[Any, ...]:
        row = list(defaults)
        for name, value in values.items():
            n = index[name]
            row[n] = value if name in plain else prepare(n, value)
        return tuple(row)

    columns = [f.column for f in fields]
    if not rows:
        return columns, iter(())
    return columns, _by_shared_keys(rows, index, defaults, plain, prepare, general)


def _by_shared_keys(
    rows: Sequence[dict[str, Any]],
    index: dict[str, int],
    defaults: list[Any],
    plain: set[str],
    prepare: Callable[[int, Any], Any],
    general: Callable[[dict[str, Any]], tuple[Any, ...]],
) -> Iterator[tuple[Any, ...]]:
    """Rows built by one expression name the same keys: each is read in one call and laid
    over the table's defaults in another, and only the columns that need it are prepared
    (a row-by-row, key-by-key copy was most of a bulk block's preparation). A row with
    other keys takes the ``general`` way."""
    keys = list(rows[0])
    width = len(keys)
    position = {index[k]: i for i, k in enumerate(keys)}
    order = [position.get(n, width + n) for n in range(len(defaults))]
    tail = tuple(defaults)
    get = _getter(keys)
    pick = _getter(order)
    needs = [index[k] for k in keys if k not in plain]
    first = rows[0].keys()
    for values in rows:
        if values.keys() != first:
            yield general(values)
            continue
        row = pick(get(values) + tail)
        if needs:
            mutable = list(row)
            for n in needs:
                mutable[n] = prepare(n, mutable[n])
            row = tuple(mutable)
        yield row


def _getter(keys: Sequence[Any]) -> Callable[[Any], tuple[Any, ...]]:
    """``itemgetter`` that always returns a tuple (with one key it returns the value)."""
    if len(keys) == 1:
        key = keys[0]
        return lambda values: (values[key],)
    return itemgetter(*keys)


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
    offset = value.utcoffset()
    assert offset is not None  # noqa: S101 - callers pass aware times only
    return str(value.replace(tzinfo=None) - offset)  # a fifth faster than astimezone(UTC)
