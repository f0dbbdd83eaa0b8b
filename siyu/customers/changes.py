"""The change feed: what changed about which customer, for consumers that react to it.

Writers
    Every verb that can change what a customer is (event, order, refund, tag, consent,
    profile field, identity, follow/owner, merge) calls ``append_change`` or
    ``append_changes`` inside its own transaction, bulk paths included: a change row exists
    exactly when the write committed. No save signals: bulk writes fire none.

Position and order
    A change's position is ``(tx, id)``. On PostgreSQL ``tx`` is the number of the
    transaction that wrote it (a column with the default ``pg_current_xact_id()``, added by
    the migration, deliberately not a model field); on SQLite it is 0, because SQLite has
    one writer at a time, so ids commit in id order. Consumers get changes in position
    order: per transaction in write order; across transactions by transaction number,
    which is not commit order. Consumers that need "the latest state" read it rather than
    replay payloads (the segment refresher re-evaluates the customer).

Gaps (PostgreSQL commits ids out of order)
    Ids are taken when a row is inserted, not when it commits: id 105 can be visible while
    104 is still uncommitted. A cursor on ``id`` alone would step past 104 for ever.
    ``read_changes`` therefore returns only changes of transactions that have finished:
    ``tx < xmin`` of the current snapshot (every transaction below xmin has committed or
    rolled back, so nothing can appear below that horizon later). A still-running write
    transaction holds later positions back until it ends — never skipped, only delayed —
    which is one more reason big writes are chunked (design rule 7). A rolled-back
    transaction leaves no rows and no hole to wait for.

Cursor, lease, at-least-once
    Each consumer has one ``FeedCursor`` row. ``consume`` takes the consumer's lease with a
    conditional UPDATE (one worker at a time, any number of worker processes polling),
    reads a batch after the cursor, calls the handler outside any transaction of ours,
    then advances the cursor and releases the lease in one UPDATE. A crash between handler
    and advance hands the same batch again (a dead worker's lease expires after
    ``LEASE_SECONDS``): delivery is at least once, so handlers must be idempotent. A
    handler that raises leaves the cursor where it was. A new consumer starts at the oldest
    retained change, or with ``from_latest=True`` at the newest (journeys should: they must
    not replay last week).

Retention
    ``prune_changes`` (a daily job) deletes changes older than
    ``SIYU_CHANGE_RETENTION_DAYS`` (7), in chunks. A consumer further behind than that has
    lost changes; for segments the periodic sweep repairs membership.

Adding a consumer (journeys next): write ``handle(changes: Sequence[Change]) -> None``,
idempotent, and register ``lambda: consume("journeys", handle)`` as a poller
(``siyu.worker.pollers.POLLERS``) in the app's ``ready()``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from siyu.customers.models import ChangeKind, CustomerChange, FeedCursor

LEASE_SECONDS = 120
DEFAULT_BATCH = 500
PRUNE_CHUNK = 5000
Position = tuple[int, int]


@dataclass(frozen=True)
class Change:
    id: int
    tx: int
    customer_id: int
    kind: str
    ref: int | None
    created_at: datetime
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def position(self) -> Position:
        return self.tx, self.id


@dataclass(frozen=True)
class NewChange:
    customer_id: int
    kind: ChangeKind
    ref: int | None = None
    data: dict[str, Any] = field(default_factory=dict)


def append_change(
    customer_id: int,
    kind: ChangeKind,
    *,
    ref: int | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> None:
    """Record one change; call it inside the transaction of the write it describes."""
    CustomerChange.objects.create(
        customer_id=customer_id,
        kind=kind,
        ref=ref,
        data=data or {},
        created_at=at or timezone.now(),
    )


def append_changes(changes: Iterable[NewChange], *, at: datetime | None = None) -> int:
    """Record many changes at once (bulk writes); returns how many."""
    when = at or timezone.now()
    rows = [
        CustomerChange(
            customer_id=c.customer_id, kind=c.kind, ref=c.ref, data=c.data, created_at=when
        )
        for c in changes
    ]
    CustomerChange.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


# xmin: every transaction below it has ended. A consumer that runs inside a transaction
# (tests do) also sees its own changes, but only while it is itself the oldest one
# running, so nothing older can still commit behind the position it reaches.
_PG_READ = """
    WITH horizon AS (
        SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS xmin,
               pg_current_xact_id_if_assigned()::text::bigint AS own
    )
    SELECT c.id, c.tx, c.customer_id, c.kind, c.ref, c.data, c.created_at
    FROM customers_customerchange c, horizon h
    WHERE (c.tx, c.id) > (%s, %s)
      AND (c.tx < h.xmin OR (c.tx = h.own AND h.own = h.xmin))
    ORDER BY c.tx, c.id
    LIMIT %s
"""


def read_changes(after: Position, limit: int = DEFAULT_BATCH) -> list[Change]:
    """Changes after ``after`` from finished transactions, in position order."""
    if connection.vendor == "postgresql":
        rows: Iterable[Any] = CustomerChange.objects.raw(_PG_READ, [after[0], after[1], limit])
    else:
        rows = CustomerChange.objects.filter(pk__gt=after[1]).order_by("pk")[:limit]
    return [
        Change(
            id=r.pk,
            tx=getattr(r, "tx", 0),
            customer_id=r.customer_id,
            kind=r.kind,
            ref=r.ref,
            created_at=r.created_at,
            data=r.data,
        )
        for r in rows
    ]


def latest_position() -> Position:
    """The position of the newest change (a new consumer that skips history starts here)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(
                "SELECT tx, id FROM customers_customerchange ORDER BY tx DESC, id DESC LIMIT 1"
            )
            row = cur.fetchone()
        return (int(row[0]), int(row[1])) if row else (0, 0)
    last = CustomerChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    return 0, last or 0


def _cursor(consumer: str, from_latest: bool) -> FeedCursor:
    found = FeedCursor.objects.filter(consumer=consumer).first()
    if found is not None:
        return found
    tx, last_id = latest_position() if from_latest else (0, 0)
    cursor, _ = FeedCursor.objects.get_or_create(
        consumer=consumer, defaults={"position_tx": tx, "position_id": last_id}
    )
    return cursor


def _take_lease(cursor: FeedCursor, token: str, now: datetime) -> FeedCursor | None:
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    won = FeedCursor.objects.filter(Q(pk=cursor.pk) & free).update(
        leased_by=token, leased_until=now + timedelta(seconds=LEASE_SECONDS)
    )
    return FeedCursor.objects.get(pk=cursor.pk) if won else None


def consume(
    consumer: str,
    handler: Callable[[Sequence[Change]], None],
    *,
    limit: int = DEFAULT_BATCH,
    from_latest: bool = False,
) -> int:
    """Hand the next batch of changes to ``handler``; returns how many (0: none, or another
    worker holds this consumer's lease). See the module docstring for the guarantees."""
    token = uuid.uuid4().hex
    cursor = _take_lease(_cursor(consumer, from_latest), token, timezone.now())
    if cursor is None:
        return 0
    mine = FeedCursor.objects.filter(pk=cursor.pk, leased_by=token)
    try:
        changes = read_changes((cursor.position_tx, cursor.position_id), limit)
        if changes:
            handler(changes)
    except BaseException:
        mine.update(leased_by="", leased_until=None)
        raise
    advance: dict[str, Any] = {"leased_by": "", "leased_until": None}
    if changes:
        advance.update(position_tx=changes[-1].tx, position_id=changes[-1].id)
    mine.update(**advance)
    return len(changes)


def retention() -> timedelta:
    return timedelta(days=int(getattr(settings, "SIYU_CHANGE_RETENTION_DAYS", 7)))


def prune_changes(now: datetime | None = None) -> int:
    """Delete changes older than the retention, a chunk per transaction (SQLite's write
    lock is never held for long). Returns how many."""
    cutoff = (now or timezone.now()) - retention()
    total = 0
    while True:
        with transaction.atomic():
            ids = list(
                CustomerChange.objects.filter(created_at__lt=cutoff)
                .order_by("pk")
                .values_list("pk", flat=True)[:PRUNE_CHUNK]
            )
            if not ids:
                return total
            total += CustomerChange.objects.filter(pk__in=ids).delete()[0]
