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
    order as far as they are final: per transaction in write order; across transactions
    by transaction number, which is not commit order; a change of a transaction that
    committed late comes after changes already handed out. Consumers that need "the
    latest state" read it rather than replay payloads (the segment refresher re-evaluates
    the customer).

Gaps (PostgreSQL commits ids out of order)
    Ids and transaction numbers are taken when a row is written, not when it commits:
    change 105 can be visible while 104 is still uncommitted, and a cursor on ``id`` alone
    would step past 104 for ever. A change is *final* once its transaction has ended:
    ``tx`` below the ``xmin`` of the current snapshot (``horizon()``); nothing can appear
    below that horizon later. ``read_changes`` returns final changes only.

    The horizon is cluster-wide: any open write transaction, in any database of the
    PostgreSQL cluster, holds it back. So ``consume`` does not wait for it: it hands out
    every change as soon as it is visible, remembers (in the worker's memory) which ones
    past the stored cursor it has handled, hands out a change that commits late as soon as
    it is final, and stores only the final part of its progress as the cursor. A rolled-
    back transaction leaves no rows and no hole to wait for.

Cursor, lease, at-least-once
    Each consumer has one ``FeedCursor`` row. ``consume`` takes the consumer's lease with a
    conditional UPDATE (one worker at a time, any number of worker processes polling),
    reads the next changes, calls the handler outside any transaction of ours, then stores
    the cursor and releases the lease in one UPDATE. A crash after the handler (or a lease
    moving to another worker: a dead worker's lease expires after ``LEASE_SECONDS``) hands
    the changes after the stored cursor again: delivery is at least once, so handlers
    must be idempotent. A handler that raises leaves the cursor where it was. A new
    consumer starts at the oldest retained change, or with ``from_latest=True`` at the
    newest (journeys should: they must not replay last week).

Retention
    ``prune_changes`` (a daily job) deletes changes older than
    ``SIYU_CHANGE_RETENTION_DAYS`` (7), in chunks. A consumer further behind than that has
    lost changes; for segments the periodic sweep repairs membership.

Adding a consumer (journeys next): write ``handle(changes: Sequence[Change]) -> None``,
idempotent, and a ``poll_changes() -> int`` that returns
``consume("journeys", handle, from_latest=True)``; register its import path in
``siyu.worker.pollers.POLLERS`` in the app's ``ready()`` (see siyu/segments/feed.py).
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from siyu.core.bulk_rows import copy_rows
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
    """Record one change; call it inside the transaction of the write it describes.
    ``at`` is when it was written (retention counts from it): now, except in tests."""
    CustomerChange.objects.create(
        customer_id=customer_id,
        kind=kind,
        ref=ref,
        data=data or {},
        created_at=at or timezone.now(),
    )


def append_changes(changes: Iterable[NewChange], *, at: datetime | None = None) -> int:
    """Record many changes at once (bulk writes); returns how many."""
    when = connection.ops.adapt_datetimefield_value(at or timezone.now())
    # Plain rows through COPY / the driver's executemany: imports append thousands per
    # chunk, and model instances cost more than the insert itself. Values as the model's
    # fields store them (kind's text, data as JSONField encodes it).
    rows = [(c.customer_id, str(c.kind), c.ref, json.dumps(c.data), when) for c in changes]
    if rows:
        copy_rows(_TABLE, ["customer_id", "kind", "ref", "data", "created_at"], rows)
    return len(rows)


MAX_POSITION = 2**63 - 1
_COLUMNS = "id, tx, customer_id, kind, ref, data, created_at"
_TABLE = "customers_customerchange"


def horizon() -> int:
    """Every change with ``tx`` below this is final: its transaction has ended, so it is
    visible now or never will be. On SQLite everything visible is final."""
    if connection.vendor != "postgresql":
        return MAX_POSITION
    with connection.cursor() as cur:
        cur.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint,"
            " pg_current_xact_id_if_assigned()::text::bigint"
        )
        xmin, own = cur.fetchone()
    # A consumer running inside a transaction (tests do) sees its own changes as final
    # only while its transaction is the oldest one running: nothing older can commit.
    return int(xmin) + 1 if own is not None and own == xmin else int(xmin)


def _select(
    after: Position,
    *,
    until: Position | None = None,
    final_below: int | None = None,
    limit: int | None = None,
) -> list[Change]:
    """Visible changes after ``after`` (up to ``until``; only final ones when
    ``final_below`` is given), in position order."""
    if connection.vendor == "postgresql":
        where, params = ["(tx, id) > (%s, %s)"], [*after]
        if until is not None:
            where.append("(tx, id) <= (%s, %s)")
            params.extend(until)
        if final_below is not None:
            where.append("tx < %s")
            params.append(final_below)
        sql = f"SELECT {_COLUMNS} FROM {_TABLE} WHERE {' AND '.join(where)} ORDER BY tx, id"  # noqa: S608
        if limit is not None:
            sql, params = f"{sql} LIMIT %s", [*params, limit]
        rows: Iterable[Any] = CustomerChange.objects.raw(sql, params)
    else:
        # One writer at a time: ids commit in order, every visible change is final and tx
        # is always 0.
        found = CustomerChange.objects.filter(pk__gt=after[1]).order_by("pk")
        if until is not None:
            found = found.filter(pk__lte=until[1])
        rows = found[:limit] if limit is not None else found
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


def read_changes(after: Position, limit: int = DEFAULT_BATCH) -> list[Change]:
    """Final changes after ``after``, in position order (nothing can appear before the
    last one returned later on)."""
    return _select(after, final_below=horizon(), limit=limit)


def read_visible_changes(after: Position, limit: int = DEFAULT_BATCH) -> tuple[list[Change], int]:
    """Every visible change after ``after`` (final or not), in position order, and the
    horizon read before them: for a consumer that reloads state idempotently and may
    handle a stretch twice (the analytics read model) rather than wait for the horizon."""
    final_below = horizon()
    return _select(after, limit=limit), final_below


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


@dataclass
class _Window:
    """What this process handled past its consumer's stored cursor: changes that were
    visible but not yet final (an older transaction was still running)."""

    cursor: Position
    ahead: Position
    handled: dict[int, Position] = field(default_factory=dict)


# consumer -> window, valid while the stored cursor is the one this process last wrote.
_windows: dict[str, _Window] = {}
_windows_lock = threading.Lock()


def _next_batch(window: _Window, limit: int) -> tuple[list[Change], int]:
    final_below = horizon()  # read first: what is final now is visible to the reads below
    late: list[Change] = []
    if window.ahead > window.cursor:
        # Final now, inside the stretch handled early, and not seen then: committed late.
        between = _select(window.cursor, until=window.ahead, final_below=final_below)
        late = [c for c in between if c.id not in window.handled]
    return late + _select(window.ahead, limit=limit), final_below


def _advance(window: _Window, batch: list[Change], final_below: int) -> Position:
    for change in batch:
        window.handled[change.id] = change.position
        window.ahead = max(window.ahead, change.position)
    # Everything up to ``ahead`` that is final has been handled; what is not final yet
    # all lies above (final_below - 1, ∞), positions being ordered by tx first.
    settled = window.ahead if window.ahead[0] < final_below else (final_below - 1, MAX_POSITION)
    window.cursor = max(window.cursor, settled)
    window.handled = {i: p for i, p in window.handled.items() if p > window.cursor}
    return window.cursor


def consume(
    consumer: str,
    handler: Callable[[Sequence[Change]], None],
    *,
    limit: int = DEFAULT_BATCH,
    from_latest: bool = False,
) -> int:
    """Hand the next changes to ``handler``; returns how many (0: none, or another worker
    holds this consumer's lease). See the module docstring for the guarantees."""
    token = uuid.uuid4().hex
    cursor = _take_lease(_cursor(consumer, from_latest), token, timezone.now())
    if cursor is None:
        return 0
    mine = FeedCursor.objects.filter(pk=cursor.pk, leased_by=token)
    stored = (cursor.position_tx, cursor.position_id)
    with _windows_lock:
        window = _windows.get(consumer)
        if window is None or window.cursor != stored:
            window = _windows[consumer] = _Window(stored, stored)
    try:
        batch, final_below = _next_batch(window, limit)
        if batch:
            handler(batch)
    except BaseException:
        _windows.pop(consumer, None)  # start again from the stored cursor
        mine.update(leased_by="", leased_until=None)
        raise
    position = _advance(window, batch, final_below)
    mine.update(position_tx=position[0], position_id=position[1], leased_by="", leased_until=None)
    return len(batch)


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
