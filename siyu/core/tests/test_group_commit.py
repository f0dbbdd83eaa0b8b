"""Group commit with real threads: who writes what, in how many batches, and what each
thread gets back."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siyu.core.group_commit import BatchFailed, GroupCommit


class Recorder:
    """A write that records its batches and can be held, so that threads queue behind it."""

    def __init__(self, fail_items: frozenset[int] = frozenset()) -> None:
        self.batches: list[list[int]] = []
        self.hold = threading.Event()
        self.hold.set()
        self.writing = threading.Event()
        self.fail_items = fail_items

    def __call__(self, items: Sequence[int]) -> list[int | BaseException]:
        self.writing.set()
        self.hold.wait(timeout=10)
        self.batches.append(list(items))
        return [ValueError(i) if i in self.fail_items else i * 10 for i in items]


def wait_for(condition: object, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.001)


def queue_behind_first(
    group: GroupCommit[int, int], write: Recorder, pool: ThreadPoolExecutor, n: int
) -> list[Future[int]]:
    """Submit item 0 and hold its write until items 1..n-1 are queued behind it."""
    write.hold.clear()
    futures = [pool.submit(group.submit, 0)]
    wait_for(write.writing.is_set)  # the first thread leads, and is held
    futures += [pool.submit(group.submit, i) for i in range(1, n)]
    wait_for(lambda: group.waiting == n - 1)
    write.hold.set()
    return futures


def test_a_lone_item_is_written_at_once_in_its_own_batch() -> None:
    write = Recorder()
    group = GroupCommit(write)
    assert group.submit(4) == 40
    assert write.batches == [[4]]
    assert (group.batches, group.items, group.waiting) == (1, 1, 0)


def test_items_arriving_during_a_write_share_the_next_batch() -> None:
    write = Recorder()
    group = GroupCommit(write)
    with ThreadPoolExecutor(8) as pool:
        futures = queue_behind_first(group, write, pool, 8)
        assert [f.result(timeout=10) for f in futures] == [i * 10 for i in range(8)]
    assert write.batches[0] == [0]
    assert sorted(write.batches[1]) == list(range(1, 8))  # seven threads, one write
    assert group.batches == 2


def test_batches_are_capped() -> None:
    write = Recorder()
    group = GroupCommit(write, max_batch=3)
    with ThreadPoolExecutor(8) as pool:
        futures = queue_behind_first(group, write, pool, 8)
        assert sorted(f.result(timeout=10) for f in futures) == [i * 10 for i in range(8)]
    assert [len(b) for b in write.batches] == [1, 3, 3, 1]


def test_an_items_own_error_reaches_its_thread_only() -> None:
    write = Recorder(fail_items=frozenset({3}))
    group = GroupCommit(write)
    with ThreadPoolExecutor(4) as pool:
        futures = queue_behind_first(group, write, pool, 4)
        with pytest.raises(ValueError, match="3"):
            futures[3].result(timeout=10)
        assert [f.result(timeout=10) for f in futures[:3]] == [0, 10, 20]


def test_a_failing_write_fails_its_whole_batch_and_the_next_one_still_runs() -> None:
    calls = 0

    def write(items: Sequence[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk full")
        return list(items)

    group = GroupCommit(write)
    with pytest.raises(BatchFailed) as failed:
        group.submit(1)
    assert isinstance(failed.value.__cause__, OSError)
    assert group.submit(2) == 2  # the lead was given back


def test_a_write_returning_the_wrong_number_of_results_fails_the_batch() -> None:
    group: GroupCommit[int, int] = GroupCommit(lambda items: [])
    with pytest.raises(BatchFailed, match="0 results for 1"):
        group.submit(1)


def test_max_batch_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        GroupCommit(Recorder(), max_batch=0)


@settings(max_examples=40, deadline=None)
@given(
    items=st.lists(st.integers(0, 10_000), min_size=1, max_size=40, unique=True),
    threads=st.integers(1, 8),
    max_batch=st.integers(1, 6),
    failing=st.frozensets(st.integers(0, 10_000), max_size=5),
)
def test_every_item_is_written_once_and_its_thread_gets_its_own_result(
    items: list[int], threads: int, max_batch: int, failing: frozenset[int]
) -> None:
    write = Recorder(fail_items=failing)
    group = GroupCommit(write, max_batch=max_batch)

    def one(i: int) -> int | str:
        try:
            return group.submit(i)
        except ValueError as error:
            return str(error)

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(one, items))
    assert results == [str(i) if i in failing else i * 10 for i in items]
    written = [i for batch in write.batches for i in batch]
    assert sorted(written) == sorted(items)
    assert all(1 <= len(batch) <= max_batch for batch in write.batches)
    assert (group.batches, group.items, group.waiting) == (len(write.batches), len(items), 0)
