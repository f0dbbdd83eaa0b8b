"""Plain rows into a table: counted, skipped on conflict when asked, Django's errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection, transaction

from siyu.core.bulk_rows import copy_rows
from siyu.core.models import CounterWindow

pytestmark = pytest.mark.django_db
COLUMNS = ["key", "window_start", "window_end", "count"]


def rows(keys: list[str], count: int = 1) -> list[tuple[object, ...]]:
    instants = (datetime(2026, 12, 1, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC))
    if connection.vendor == "postgresql":
        start, end = instants
        return [(key, start, end, count) for key in keys]
    # The caller adapts instants for SQLite.
    start_text, end_text = (connection.ops.adapt_datetimefield_value(t) for t in instants)
    return [(key, start_text, end_text, count) for key in keys]


def test_rows_go_in_across_chunks_and_are_counted() -> None:
    keys = [f"k{i}" for i in range(7)]
    assert copy_rows(CounterWindow._meta.db_table, COLUMNS, iter(rows(keys)), chunk=3) == 7
    assert sorted(CounterWindow.objects.values_list("key", flat=True)) == sorted(keys)
    stored = CounterWindow.objects.get(key="k0")
    assert stored.window_start == datetime(2026, 12, 1, tzinfo=UTC)


def test_skip_leaves_out_rows_that_break_a_unique_constraint() -> None:
    table = CounterWindow._meta.db_table
    copy_rows(table, COLUMNS, rows(["a", "b"], count=1))
    with transaction.atomic():
        assert copy_rows(table, COLUMNS, rows(["b", "c", "d"], count=9), skip=True) == 2
    counts = dict(CounterWindow.objects.values_list("key", "count"))
    assert counts == {"a": 1, "b": 1, "c": 9, "d": 9}


def test_a_conflict_without_skip_is_djangos_integrity_error_and_writes_nothing() -> None:
    table = CounterWindow._meta.db_table
    copy_rows(table, COLUMNS, rows(["a"]))
    with pytest.raises(IntegrityError), transaction.atomic():
        copy_rows(table, COLUMNS, rows(["x", "a"]))
    assert list(CounterWindow.objects.values_list("key", flat=True)) == ["a"]


@pytest.mark.parametrize("chunk", [None, 250])
def test_hundreds_of_rows_go_in_whole_statements_and_the_rest_and_are_counted(
    chunk: int | None,
) -> None:
    # SQLite writes a few hundred rows a statement: 701 rows are full statements plus
    # a remainder, and (chunked) remainders of every chunk.
    keys = [f"k{i}" for i in range(701)]
    assert copy_rows(CounterWindow._meta.db_table, COLUMNS, iter(rows(keys)), chunk=chunk) == 701
    assert sorted(CounterWindow.objects.values_list("key", flat=True)) == sorted(keys)


def test_skip_inside_a_statement_of_many_rows_leaves_out_only_the_conflicting_ones() -> None:
    table = CounterWindow._meta.db_table
    copy_rows(table, COLUMNS, rows([f"k{i}" for i in range(0, 700, 7)], count=1))
    with transaction.atomic():
        assert (
            copy_rows(table, COLUMNS, rows([f"k{i}" for i in range(700)], count=9), skip=True)
            == 600
        )
    counts = dict(CounterWindow.objects.values_list("key", "count"))
    assert len(counts) == 700
    assert {counts[f"k{i}"] for i in range(0, 700, 7)} == {1}
    assert sum(1 for n in counts.values() if n == 9) == 600
