"""PostgreSQL takes ids at insert and commits them out of order: the feed must neither
hand out a change before an older uncommitted one nor skip it afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from siyu.customers.changes import Change, _select, append_change, consume, read_changes
from siyu.customers.models import ChangeKind, FeedCursor


def read_all() -> list[Change]:
    return _select((0, 0))


@contextmanager
def open_transaction_with_change(customer_id: int) -> Iterator[None]:
    """Another connection appends a change and keeps its transaction open until exit."""
    inserted, release = threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                append_change(customer_id, ChangeKind.EVENT)  # the lower id, committed last
                inserted.set()
                release.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(30)
    try:
        yield
    finally:
        release.set()
        thread.join(30)


def _needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("commit order differs from id order only on PostgreSQL")


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_is_neither_overtaken_nor_skipped() -> None:
    _needs_postgres()
    inserted, release, done = threading.Event(), threading.Event(), threading.Event()

    def slow_writer() -> None:
        try:
            with transaction.atomic():
                append_change(1, ChangeKind.EVENT)  # takes the lower id, commits last
                inserted.set()
                release.wait(30)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert inserted.wait(30)
    append_change(2, ChangeKind.EVENT)  # higher id, committed at once
    try:
        # Id 2 is visible, but handing it out now would move a cursor past id 1 for ever.
        assert read_changes((0, 0)) == []
    finally:
        release.set()
        thread.join(30)
    assert done.is_set()
    # Final once every older transaction of the cluster has ended (other databases' too).
    for _ in range(600):
        if final := read_changes((0, 0)):
            break
        time.sleep(0.1)
    assert [c.customer_id for c in final] == [1, 2]


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_consumer_handles_committed_changes_at_once_and_late_ones_when_they_commit() -> None:
    """A still-open transaction (here, or in any database of the cluster) must not hold
    back changes that are already committed; the late one is handled when it commits."""
    _needs_postgres()
    seen: list[int] = []

    def handler(changes: Sequence[Change]) -> None:
        seen.extend(c.customer_id for c in changes)

    with open_transaction_with_change(1):
        append_change(2, ChangeKind.EVENT)
        assert consume("late", handler) == 1
        assert seen == [2]
        stored = FeedCursor.objects.get(consumer="late")
        # The stored cursor stays below the open transaction: a crash now re-reads 2.
        assert (stored.position_tx, stored.position_id) < read_all()[-1].position
    # Handled once final: when every older transaction of the cluster has ended.
    for _ in range(600):
        if consume("late", handler):
            break
        time.sleep(0.1)
    assert consume("late", handler) == 0
    assert seen == [2, 1]
