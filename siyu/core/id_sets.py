"""Thousands of ids (or keys) as one bound parameter, and rows read without converters.

A chunk's 2,000–5,000-value ``__in`` list cost Django more to build into SQL (and
PostgreSQL more to plan) than the statement took to run: these pass the values as one
JSON text (SQLite) or array (PostgreSQL) parameter instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import connection, models
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL

M = TypeVar("M", bound=models.Model)


def among_ids(ids: Iterable[int]) -> RawSQL:
    """Ids for an ``__in`` filter as one parameter (a JSON array): a list of thousands of
    parameters cost more to build into SQL than the statement took to run."""
    data = json.dumps(sorted(ids))
    if connection.vendor == "postgresql":
        return RawSQL("SELECT jsonb_array_elements_text(%s::jsonb)::bigint", [data])
    return RawSQL("SELECT value FROM json_each(%s)", [data])


def among(rows: QuerySet[M], field: str, values: Iterable[Any]) -> QuerySet[M]:
    """``rows`` whose ``field`` is one of ``values``, as one bound parameter: a chunk's
    2,000-value ``__in`` costs Django more to build than the database to answer."""
    meta = rows.model._meta
    quote = connection.ops.quote_name
    model_field = meta.get_field(field)
    column = str(getattr(model_field, "column", field))
    ref = f"{quote(meta.db_table)}.{quote(column)}"
    if connection.vendor == "postgresql":
        target = getattr(model_field, "target_field", model_field)
        text = isinstance(target, models.Field) and target.get_internal_type() in (
            "CharField",
            "TextField",
        )
        # A set, not ``= ANY(array)``: on a table the planner thinks small (stale stats
        # while a plan fills it) ``ANY`` was a sequential scan testing every row against
        # the whole array (the benchmark's budget read: 1 s a chunk); a set joins.
        where = f"{ref} IN (SELECT unnest(%s::{'text' if text else 'bigint'}[]))"
        return rows.extra(where=[where], params=[list(values)])  # noqa: S610 - fixed SQL, bound values
    where = f"{ref} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a quoted column name
    return rows.extra(where=[where], params=[json.dumps(list(values))])  # noqa: S610 - fixed SQL, bound values


def plain_rows(rows: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """A ``values_list`` queryset's rows as the driver returns them: Django's converters
    cost a Python call per value (a SQLite boolean, a date), thousands per chunk."""
    sql, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())
