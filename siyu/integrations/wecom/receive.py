"""Store one verified callback in the inbox, durably and once, with one INSERT.

The inbox is the queue: `siyu worker` polls it (`process.drain_pending`), so acknowledging
a callback writes no task row. The row also carries the delivery's (timestamp, nonce), so
the replay check is the same statement. At thousands of callbacks a second the difference
between one statement in autocommit and a transaction of three is most of the cost.
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

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
def _insert_sql(vendor: str) -> str:
    """INSERT … ON CONFLICT (idempotency_key) DO NOTHING RETURNING id, on PostgreSQL and
    SQLite alike (3.35+). Only the idempotency key is the arbiter: a clash on the
    (timestamp, nonce) constraint still raises, which is how a replay shows."""
    quote = connection.ops.quote_name
    meta = CallbackInbox._meta
    column = {f.name: f.column for f in meta.concrete_fields}
    columns = ", ".join(quote(column[name]) for name in _COLUMNS)
    key = quote(column["idempotency_key"])
    # Names come from the model, quoted; values are parameters.
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )


def insert_row(values: dict[str, Any]) -> int | None:
    """The new row's id, or None when the idempotency key is already stored. ``values``
    holds plain Python values for ``_COLUMNS``; only the datetime needs adapting."""
    params = [values[name] for name in _COLUMNS]
    params[_COLUMNS.index("received_at")] = connection.ops.adapt_datetimefield_value(
        values["received_at"]
    )
    # In autocommit the statement is its own transaction (one round trip). Inside someone
    # else's transaction (tests, a caller's atomic block) a savepoint keeps a replay's
    # failed INSERT from poisoning it.
    scope = transaction.atomic() if connection.in_atomic_block else nullcontext()
    with scope, connection.cursor() as cursor:
        cursor.execute(_insert_sql(connection.vendor), params)
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def store_callback(
    *, corp_id: str, timestamp: int, nonce: str, plain: bytes, data: dict[str, Any]
) -> Stored:
    """Record the event with its (timestamp, nonce). A duplicate event writes nothing (not
    even its nonce: a replay of it is just another harmless duplicate). Raises ReplayError,
    writing nothing, when this (timestamp, nonce) was seen before."""
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
    try:
        pk = insert_row(values)
    except IntegrityError:
        # Autocommit: the failed statement left nothing behind and no transaction open.
        raise ReplayError(f"nonce {nonce!r} at {timestamp} already used") from None
    if pk is None:
        # The key is stored. The very same request again is a replay, not a WeCom retry.
        same = CallbackInbox.objects.filter(nonce_timestamp=timestamp, nonce=nonce[:64])
        if same.exists():
            raise ReplayError(f"nonce {nonce!r} at {timestamp} already used")
        return Stored(None, key)  # WeCom's retry of an event we already hold
    return Stored(pk, key)


def _name(data: dict[str, Any]) -> str:
    for field in ("Event", "MsgType"):
        value = data.get(field)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""
