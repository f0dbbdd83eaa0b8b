"""Store one verified callback in the inbox, durably and once, with one INSERT.

The inbox is the queue: `siyu worker` polls it (`process.drain_pending`), so acknowledging
a callback writes no task row. The row also carries the delivery's (timestamp, nonce), so
the replay check is the same statement. Concurrent acknowledgements in one web process
share that statement and its commit (group commit): at thousands of callbacks a second the
cost is per statement far more than per row.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.utils import timezone

from siyu.core.group_commit import BatchFailed, GroupCommit
from siyu.integrations.wecom.crypto import CallbackCryptoError
from siyu.integrations.wecom.events import ordering_key, parse_event
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus

log = logging.getLogger(__name__)

# How far a callback's timestamp may be from our clock before it counts as stale.
FRESHNESS_SECONDS = 300
_COLUMNS = (
    "corp_id",
    "idempotency_key",
    "ordering_key",
    "event",
    "change_type",
    "payload",
    "status",
    "attempts",
    "last_error",
    "received_at",
    "nonce_timestamp",
    "nonce",
)
# What the INSERT returns beside the id, to match its rows back to the batch's.
_IDENTITY = ("idempotency_key", "nonce_timestamp", "nonce")


class StaleError(CallbackCryptoError):
    reason = "stale_timestamp"


class ReplayError(CallbackCryptoError):
    reason = "replayed_nonce"


@dataclass(frozen=True)
class Stored:
    inbox_id: int | None  # None for a duplicate delivery
    idempotency_key: str


def check_fresh(timestamp: int, now: float | None = None) -> None:
    now = time.time() if now is None else now
    if abs(now - timestamp) > FRESHNESS_SECONDS:
        raise StaleError(f"timestamp {timestamp} is more than {FRESHNESS_SECONDS}s away")


def idempotency_key(corp_id: str, plain: bytes, data: dict[str, Any]) -> str:
    msg_id = data.get("MsgId")
    if isinstance(msg_id, str) and msg_id.strip():
        key = f"msg:{corp_id}:{msg_id.strip()}"
        if len(key) <= 100:
            return key
    # No id (tag events, most contact events): WeCom retries resend the same plaintext.
    return "sha256:" + hashlib.sha256(plain).hexdigest()


@cache
def _quoted(field: str | None) -> str:
    """A column of the inbox (the table itself for None), quoted for SQL."""
    meta = CallbackInbox._meta
    columns = {f.name: f.column for f in meta.concrete_fields}
    return connection.ops.quote_name(meta.db_table if field is None else columns[field])


@cache
def _insert_sql(vendor: str, rows: int) -> str:
    """A multi-row INSERT … ON CONFLICT DO NOTHING RETURNING, on PostgreSQL and SQLite alike
    (3.35+). Both unique constraints arbitrate: a row whose idempotency key or
    (timestamp, nonce) is already stored is skipped, and ``_classify`` tells which."""
    columns = ", ".join(_quoted(name) for name in _COLUMNS)
    returning = ", ".join(_quoted(name) for name in ("id", *_IDENTITY))
    row = f"({', '.join(['%s'] * len(_COLUMNS))})"
    # Names come from the model, quoted; values are parameters.
    return (
        f"INSERT INTO {_quoted(None)} ({columns}) "  # noqa: S608
        f"VALUES {', '.join([row] * rows)} ON CONFLICT DO NOTHING RETURNING {returning}"
    )


def insert_rows(rows: Sequence[dict[str, Any]]) -> list[int | Exception | None]:
    """Store ``rows`` with one statement. Per row: the new id; None when its idempotency
    key is already stored (WeCom's retry of an event we hold); a ReplayError when its
    (timestamp, nonce) is. ``rows`` hold plain Python values for ``_COLUMNS``."""
    db = connections[DEFAULT_DB_ALIAS]
    adapt = db.ops.adapt_datetimefield_value
    at = _COLUMNS.index("received_at")
    params: list[Any] = []
    for values in rows:
        row = [values[name] for name in _COLUMNS]
        row[at] = adapt(row[at])
        params += row
    # In autocommit the statement is its own transaction. Inside someone else's (tests, a
    # caller's atomic block) a savepoint keeps a failed INSERT from poisoning it.
    scope = transaction.atomic() if db.in_atomic_block else nullcontext()
    with scope:
        returned = _execute(db, _insert_sql(db.vendor, len(rows)), params)
    ids: dict[tuple[Any, ...], list[int]] = {}
    for pk, *identity in returned:
        ids.setdefault(tuple(identity), []).append(int(pk))
    results: list[int | Exception | None] = []
    for values in rows:
        stored = ids.get(tuple(values[name] for name in _IDENTITY))
        results.append(stored.pop(0) if stored else None)
    skipped = [i for i, result in enumerate(results) if result is None]
    if skipped:
        for i, outcome in zip(skipped, _classify(db, [rows[i] for i in skipped]), strict=True):
            results[i] = outcome
    return results


def _execute(db: BaseDatabaseWrapper, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            rows: list[tuple[Any, ...]] = cursor.fetchall()
            return rows
    import psycopg

    # Django's cursors bind parameters client-side, quoting each value in Python (a tenth
    # of an acknowledgement's CPU time); a plain psycopg cursor sends them beside the SQL.
    # prepare=False: no named server-side statement, which pgbouncer in transaction mode
    # would break.
    db.ensure_connection()
    with db.wrap_database_errors, psycopg.Cursor(db.connection) as cursor:
        cursor.execute(sql, params, prepare=False)
        return cursor.fetchall()


def _classify(
    db: BaseDatabaseWrapper, rows: Sequence[dict[str, Any]]
) -> list[int | Exception | None]:
    """Why each row was skipped. Its (timestamp, nonce) stored: a replay, even when the key
    matches too (the very same request again). Else its key stored: a duplicate event."""
    table = _quoted(None)
    key, ts, nonce = (_quoted(name) for name in _IDENTITY)
    marks = ", ".join(["%s"] * len(rows))
    pairs = ", ".join(["(%s, %s)"] * len(rows))
    sql = (
        f"SELECT {key}, {ts}, {nonce} FROM {table} "  # noqa: S608 - quoted names, parameters
        f"WHERE {key} IN ({marks}) OR ({ts}, {nonce}) IN ({pairs})"
    )
    params = [values["idempotency_key"] for values in rows]
    params += [v for values in rows for v in (values["nonce_timestamp"], values["nonce"])]
    stored = _execute(db, sql, params)
    keys = {row[0] for row in stored}
    nonces = {(row[1], row[2]) for row in stored}
    outcomes: list[int | Exception | None] = []
    for values in rows:
        pair = (values["nonce_timestamp"], values["nonce"])
        if pair in nonces:
            outcomes.append(ReplayError(f"nonce {pair[1]!r} at {pair[0]} already used"))
        elif values["idempotency_key"] in keys:
            outcomes.append(None)
        else:  # the clashing row is gone already (cleanup): not stored, so WeCom must retry
            outcomes.append(DatabaseError("conflicting inbox row vanished; not stored"))
    return outcomes


def write_batch(rows: Sequence[dict[str, Any]]) -> list[int | Exception | None]:
    """``insert_rows``, with a failing statement's rows retried one by one, so that one row
    the database refuses does not take the acknowledgements of its batch neighbours down."""
    try:
        return insert_rows(rows)
    except DatabaseError as error:
        if len(rows) == 1:
            return [error]
        log.warning("inbox batch of %d failed (%s); storing its rows one by one", len(rows), error)
    return [outcome for values in rows for outcome in write_batch([values])]


# Web threads of one process share statements and commits (see siyu.core.group_commit).
GROUP = GroupCommit(write_batch, max_batch=64)


def store_callback(
    *, corp_id: str, timestamp: int, nonce: str, plain: bytes, data: dict[str, Any]
) -> Stored:
    """Record the event with its (timestamp, nonce). A duplicate event writes nothing (not
    even its nonce: a replay of it is just another harmless duplicate). Raises ReplayError,
    writing nothing, when this (timestamp, nonce) was seen before, and DatabaseError when
    the row could not be stored."""
    now = timezone.now()
    key = idempotency_key(corp_id, plain, data)
    event = parse_event(corp_id, data, received_at=now)
    values = {
        "corp_id": corp_id,
        "idempotency_key": key,
        "ordering_key": ordering_key(event, key)[:255],
        "event": _name(data)[:64],
        "change_type": event.change_type[:64],
        "payload": plain.decode("utf-8", errors="replace"),
        "status": InboxStatus.PENDING.value,
        "attempts": 0,
        "last_error": "",
        "received_at": now,
        "nonce_timestamp": timestamp,
        "nonce": nonce[:64],
    }
    if connection.in_atomic_block:
        # A caller's transaction (tests, a re-import): the row belongs to it, so it is
        # written here, on this thread's connection, not by another thread's batch.
        outcome = write_batch([values])[0]
    else:
        try:
            outcome = GROUP.submit(values)
        except BatchFailed as failed:
            raise DatabaseError(str(failed)) from failed
    if isinstance(outcome, Exception):
        raise outcome
    return Stored(outcome, key)


def _name(data: dict[str, Any]) -> str:
    for field in ("Event", "MsgType"):
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
