"""Callbacks stored in batches: one INSERT for many concurrent acknowledgements, with each
request still told exactly what became of its own event."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from siyu.core.group_commit import GroupCommit
from siyu.integrations.wecom import receive
from siyu.integrations.wecom.crypto import parse_xml
from siyu.integrations.wecom.models import CallbackInbox
from siyu.integrations.wecom.receive import ReplayError, write_batch
from siyu.integrations.wecom.tests.conftest import CORP_ID, add_contact_xml

# Rows must be committed by one thread and seen by others: no wrapping test transaction.
pytestmark = pytest.mark.django_db(transaction=True)
NOW = int(time.time())


def row(ext: str, nonce: str, payload: str | None = None) -> dict[str, Any]:
    xml = payload if payload is not None else add_contact_xml("ChenJing", ext, create_time=NOW)
    return {
        "corp_id": CORP_ID,
        "idempotency_key": f"key:{ext}",
        "ordering_key": f"contact:{CORP_ID}:ChenJing:{ext}",
        "event": "change_external_contact",
        "change_type": "add_external_contact",
        "payload": xml,
        "status": "pending",
        "attempts": 0,
        "last_error": "",
        "received_at": timezone.now(),
        "nonce_timestamp": NOW,
        "nonce": nonce,
    }


def test_one_batch_tells_new_events_retries_and_replays_apart() -> None:
    (held,) = write_batch([row("wmHeld", "n0")])
    assert isinstance(held, int)
    outcomes = write_batch(
        [
            row("wmNew1", "n1"),
            row("wmHeld", "n2"),  # WeCom's retry of a stored event, freshly signed
            row("wmNew2", "n0"),  # a stored delivery's nonce on another event
            row("wmNew3", "n3"),
            row("wmNew3", "n4"),  # the same event twice in one batch, two signatures
            row("wmNew4", "n5"),
            row("wmNew4", "n5"),  # the very same request twice in one batch
        ]
    )
    assert isinstance(outcomes[0], int)
    assert outcomes[1] is None
    assert isinstance(outcomes[2], ReplayError)
    assert isinstance(outcomes[3], int)
    assert outcomes[4] is None
    assert isinstance(outcomes[5], int)
    assert isinstance(outcomes[6], ReplayError)
    stored = sorted(CallbackInbox.objects.values_list("idempotency_key", "nonce"))
    assert stored == [
        ("key:wmHeld", "n0"),
        ("key:wmNew1", "n1"),
        ("key:wmNew3", "n3"),
        ("key:wmNew4", "n5"),
    ]
    assert len({o for o in outcomes if isinstance(o, int)} | {held}) == 4


def test_a_row_the_database_refuses_fails_alone() -> None:
    bad = row("wmBad", "n2")
    bad["payload"] = None  # NOT NULL: refused by PostgreSQL and SQLite alike
    first, refused, last = write_batch([row("wmOk1", "n1"), bad, row("wmOk2", "n3")])
    assert isinstance(first, int)
    assert isinstance(last, int)
    assert isinstance(refused, DatabaseError)
    assert set(CallbackInbox.objects.values_list("idempotency_key", flat=True)) == {
        "key:wmOk1",
        "key:wmOk2",
    }


def test_concurrent_acknowledgements_share_one_insert(monkeypatch: pytest.MonkeyPatch) -> None:
    """Twelve web threads: the first write is held until the other eleven queue behind it;
    they are then stored by one statement, and each thread hears of its own event."""
    writing, hold = threading.Event(), threading.Event()
    statements: list[int] = []

    def held_write(rows: Sequence[dict[str, Any]]) -> list[int | Exception | None]:
        writing.set()
        hold.wait(timeout=10)
        statements.append(len(rows))
        return write_batch(rows)

    group = GroupCommit(held_write)
    monkeypatch.setattr(receive, "GROUP", group)
    xml = [add_contact_xml("WangQiang", f"wmPar{i}", create_time=NOW) for i in range(11)]
    xml.append(xml[3])  # WeCom retrying one of them at the same moment

    def store(i: int, payload: str) -> object:
        try:
            return receive.store_callback(
                corp_id=CORP_ID,
                timestamp=NOW,
                nonce=f"par{i}",
                plain=payload.encode(),
                data=parse_xml(payload.encode()),
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(12) as pool:
        first = pool.submit(store, 0, xml[0])
        assert writing.wait(timeout=10)
        rest = [pool.submit(store, i, payload) for i, payload in enumerate(xml[1:], start=1)]
        deadline = time.monotonic() + 10
        while group.waiting < 11 and time.monotonic() < deadline:
            time.sleep(0.001)
        hold.set()
        stored = [f.result(timeout=30) for f in [first, *rest]]
    assert statements == [1, 11]
    new = [s for s in stored if s.inbox_id is not None]  # type: ignore[attr-defined]
    assert len(new) == 11  # the retry was acknowledged without a row of its own
    assert CallbackInbox.objects.count() == 11
