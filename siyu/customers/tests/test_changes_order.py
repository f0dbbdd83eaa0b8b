"""PostgreSQL takes ids at insert and commits them out of order: the feed must neither
hand out a change before an older uncommitted one nor skip it afterwards."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from siyu.customers.changes import append_change, read_changes
from siyu.customers.models import ChangeKind


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
    assert [c.customer_id for c in read_changes((0, 0))] == [1, 2]
