"""The customer's acquisition time (``Customer.first_seen_at``): the earliest evidence of the
person, whichever arrives first and in whatever order files are imported.

Evidence is an order (paid_at), an event (occurred_at), an identity observation (its
moment) or an acquisition time an import states. Each only ever moves the time EARLIER,
so re-importing, importing history after the present, or importing files in any order all
give the same answer: the earliest thing we know. A merge keeps the earlier of the two.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Q

from siyu.customers.models import Customer
from siyu.customers.retry import retry_on_conflict

NOTE_BATCH = 400  # customers per read: well under SQLite's limit of bound parameters


def note_seen(customer: Customer, at: datetime) -> Customer:
    """Move ``customer``'s acquisition time to ``at`` if that is earlier; return it.

    The in-memory value can only be later than the stored one (the stored one only moves
    earlier), so when it is already at or before ``at`` nothing needs writing: the common
    case (a known customer's new order) costs no query. Otherwise one conditional UPDATE,
    which is also right when a concurrent writer moved the time meanwhile."""
    known = customer.first_seen_at
    if known is not None and known <= at:
        return customer
    earlier = Customer.objects.filter(Q(first_seen_at__isnull=True) | Q(first_seen_at__gt=at))
    # Outside a transaction a deadlock victim (parallel resolvers on PostgreSQL) runs again;
    # inside one, the caller's own retry decides.
    retry_on_conflict(lambda: earlier.filter(pk=customer.pk).update(first_seen_at=at))
    customer.first_seen_at = at
    return customer


def earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The earlier of two acquisition times (None is unknown, not early)."""
    if a is None or b is None:
        return a or b
    return min(a, b)


def note_seen_many(earliest_of: dict[int, datetime]) -> None:
    """``note_seen`` for many customers at once (bulk imports): one read per batch of
    customers, then one prepared UPDATE per customer whose time moves, each only where the
    stored time is later or unknown (checked in the statement itself, so a concurrent
    earlier time is never overwritten)."""
    ids = list(earliest_of)
    stored: dict[int, datetime | None] = {}
    for start in range(0, len(ids), NOTE_BATCH):
        found = Customer.objects.filter(pk__in=ids[start : start + NOTE_BATCH])
        stored.update(found.values_list("pk", "first_seen_at"))
    moving = sorted(
        (pk, at) for pk, at in earliest_of.items() if pk in stored and _later(stored[pk], at)
    )
    if not moving:
        return
    # One prepared statement run per customer (executemany): a CASE over hundreds of
    # customers cost Django more to compile than the database to run.
    table = Customer._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cur:
        cur.executemany(
            f"UPDATE {table} SET first_seen_at = %s WHERE id = %s"  # noqa: S608 - our table
            " AND (first_seen_at IS NULL OR first_seen_at > %s)",
            [(adapt(at), pk, adapt(at)) for pk, at in moving],
        )


def _later(known: datetime | None, at: datetime) -> bool:
    return known is None or known > at
