"""The ``segment_entered`` / ``segment_exited`` events of new or closed stints, with their
change rows (journeys trigger on them).

On PostgreSQL one statement builds both from the stint rows themselves (INSERT … SELECT in a
data-modifying CTE): a refresh entering a thousand customers spent most of its time making
these rows in Python (benchmarks/freshness.py). Elsewhere they go through the events verb.
Both paths write the same rows; the key names the stint, created or closed in this
transaction, so it cannot exist yet and replaying a refresh cannot append an entry twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import connection

from siyu.customers.events import record_new_events
from siyu.customers.models import CustomerChange, Event
from siyu.segments.models import Membership, Segment

ENTERED = "segment_entered"
EXITED = "segment_exited"

_PG_SQL = """
WITH ev AS (
    INSERT INTO {events}
        (customer_id, type, occurred_at, properties, source, idempotency_key, created_at)
    SELECT m.customer_id, %(type)s, %(at)s,
           jsonb_build_object(
               'segment_id', %(segment)s::bigint,
               'segment_name', %(name)s::text,
               'membership_id', m.id,
               'conditions', COALESCE(m.{reason} -> 'conditions', '[]'::jsonb)
           ),
           'segments',
           'segment:' || %(segment)s::text || ':' || m.customer_id || ':' || m.id
               || ':' || %(suffix)s::text,
           now()
    FROM {stints} m
    WHERE m.id = ANY(%(ids)s)
    ORDER BY m.id
    RETURNING id, customer_id
)
INSERT INTO {changes} (customer_id, kind, ref, data, created_at)
SELECT customer_id, 'event', id, jsonb_build_object('type', %(type)s::text), now() FROM ev
"""


def _properties(segment: Segment, stint: Membership, reason: dict[str, Any]) -> dict[str, Any]:
    return {
        "segment_id": segment.pk,
        "segment_name": segment.name,
        "membership_id": stint.pk,
        "conditions": reason.get("conditions", []),
    }


def record_stint_events(
    segment: Segment, stints: list[Membership], kind: str, now: datetime
) -> None:
    """``kind`` is ENTERED (reasons from ``reason``) or EXITED (from ``exit_reason``)."""
    if not stints:
        return
    suffix = "entered" if kind == ENTERED else "exited"
    if connection.vendor == "postgresql":
        sql = _PG_SQL.format(
            events=Event._meta.db_table,
            stints=Membership._meta.db_table,
            changes=CustomerChange._meta.db_table,
            reason="reason" if kind == ENTERED else "exit_reason",
        )
        params: dict[str, Any] = {
            "type": kind,
            "at": now,
            "segment": segment.pk,
            "name": segment.name,
            "suffix": suffix,
            "ids": [s.pk for s in stints],
        }
        with connection.cursor() as cur:
            cur.execute(sql, params)
        return
    record_new_events(
        [
            Event(
                customer_id=s.customer_id,
                type=kind,
                occurred_at=now,
                properties=_properties(segment, s, s.reason if kind == ENTERED else s.exit_reason),
                source="segments",
                idempotency_key=f"segment:{segment.pk}:{s.customer_id}:{s.pk}:{suffix}",
            )
            for s in stints
        ]
    )
