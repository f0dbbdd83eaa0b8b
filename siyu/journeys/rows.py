"""Many rows in one statement from plain tuples: the engine's and the enrolment's writes.

A batch writes thousands of rows (effects, tags, change rows, enrollments) that differ in
a few columns: the caller passes the values as tuples, JSON already encoded (``dumps``) and
datetimes through ``db_time`` (once per batch, not per row), and siyu.core.bulk_rows
writes them at the database's bulk speed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connection, models

from siyu.core.bulk_rows import copy_rows

Values = tuple[Any, ...]


def dumps(value: object) -> str:
    """JSON as Django's JSONField writes it."""
    return json.dumps(value)


def db_time(value: datetime) -> Any:
    """A datetime as the database takes it (SQLite: Django's text form; once per batch)."""
    if connection.vendor == "postgresql":
        return value
    return connection.ops.adapt_datetimefield_value(value)


def insert_rows(
    model: type[models.Model], names: Sequence[str], rows: Sequence[Values], *, skip: bool = False
) -> int:
    """Insert ``rows`` (one value per field in ``names``); returns how many went in.
    ``skip``: a row that breaks a unique constraint is left out, not an error. Call it
    inside a transaction (the rows commit with the rest of the caller's work)."""
    if not rows:
        return 0
    meta = model._meta
    columns = [str(getattr(meta.get_field(n), "column", n)) for n in names]
    return copy_rows(meta.db_table, columns, rows, skip=skip)
