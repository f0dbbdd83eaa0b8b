"""One tag for many customers, set-based: the links and their change rows in one or two
statements, for writers that tag thousands at a time (the journeys' tag step).

``link_tag`` inserts the links the customers lack (a link that is already there, or that
a concurrent transaction just wrote, is left alone: conflict ignored, never an error) and
writes a change row (``tag``, ``{"added": true}``) for each link it wrote, in the caller's
transaction, as ``add_tag`` does for one customer (siyu/customers/tagging.py). It returns
the customers it tagged. PostgreSQL does it in one statement (the change rows come from
the insert's RETURNING in the same statement); SQLite in two (RETURNING, then the change
rows from it), both reading the ids as one JSON or array parameter, not one per row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from django.db import connection

from siyu.customers.models import ChangeKind

ADDED = json.dumps({"added": True})

_PG = """
WITH ins AS (
    INSERT INTO customers_customertag (customer_id, tag_id, source, created_at)
    SELECT c, %s, %s, %s FROM unnest(%s::bigint[]) AS c ORDER BY c
    ON CONFLICT DO NOTHING RETURNING customer_id
), chg AS (
    INSERT INTO customers_customerchange (customer_id, kind, ref, data, created_at)
    SELECT customer_id, %s, %s, %s::jsonb, %s FROM ins
)
SELECT customer_id FROM ins
"""
_SQLITE_LINKS = """
INSERT OR IGNORE INTO customers_customertag (customer_id, tag_id, source, created_at)
SELECT value, ?, ?, ? FROM json_each(?) ORDER BY value RETURNING customer_id
"""
_SQLITE_CHANGES = """
INSERT INTO customers_customerchange (customer_id, kind, ref, data, created_at)
SELECT value, ?, ?, ?, ? FROM json_each(?)
"""


def link_tag(tag_id: int, customer_ids: Iterable[int], *, source: str, at: datetime) -> set[int]:
    """Tag every one of ``customer_ids`` that lacks ``tag_id``; returns those it tagged.
    Call it inside a transaction (the links and their change rows commit together)."""
    ids = sorted(set(customer_ids))
    if not ids:
        return set()
    kind = str(ChangeKind.TAG)
    with connection.cursor() as cur, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            cur.execute(_PG, [tag_id, source, at, ids, kind, tag_id, ADDED, at])
            return {row[0] for row in cur.fetchall()}
        when = connection.ops.adapt_datetimefield_value(at)
        raw = cur.cursor
        raw.execute(_SQLITE_LINKS, (tag_id, source, when, json.dumps(ids)))
        fresh = sorted(row[0] for row in raw.fetchall())
        if fresh:
            raw.execute(_SQLITE_CHANGES, (kind, tag_id, ADDED, when, json.dumps(fresh)))
        return set(fresh)
