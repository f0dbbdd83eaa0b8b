"""Group commit: concurrent threads of one process hand their rows to one of them, which
writes them all with one statement and one commit.

At thousands of small writes a second, each in its own transaction, most of the cost is
per statement, not per row: the round trip, parsing and planning, the commit and its WAL
flush (PostgreSQL), the write lock (SQLite). Here the first thread to arrive while no write
is in progress becomes the *leader*: it takes every waiting item (its own first) and calls
``write`` with them; the others wait, each on its own lock, and when the leader is done it
wakes the threads it wrote for and hands the lead to the first thread still waiting. Nothing waits for a batch to fill: under light load
every batch is one item and costs what a plain write would.

``write`` runs in the leader's thread, on its database connection, and returns one result
per item, in order: a value, or an exception meant for that item's thread alone. An
exception *raised* by ``write`` fails the whole batch; every thread in it gets it (wrapped
in ``BatchFailed``) and nobody hangs.
"""

from __future__ import annotations

import threading
from _thread import LockType
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class BatchFailed(Exception):
    """The batch this item was in failed; ``__cause__`` is what ``write`` raised."""


@dataclass
class _Slot(Generic[Item, Result]):
    item: Item
    # Held while the slot's thread waits; released to wake it, once: when its item is
    # written, or when it is to lead the next batch.
    gate: LockType = field(default_factory=threading.Lock)
    done: bool = False
    result: Result | None = None
    error: BaseException | None = None


class GroupCommit(Generic[Item, Result]):
    def __init__(
        self,
        write: Callable[[Sequence[Item]], Sequence[Result | BaseException]],
        *,
        max_batch: int = 64,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self._write = write
        self._max_batch = max_batch
        self._lock = threading.Lock()
        self._pending: list[_Slot[Item, Result]] = []
        self._writing = False
        self.batches = 0  # statistics, for benchmarks and tests
        self.items = 0

    @property
    def waiting(self) -> int:
        """Items queued behind the batch being written."""
        with self._lock:
            return len(self._pending)

    def submit(self, item: Item) -> Result:
        """Write ``item`` (in some batch) and return its result, or raise its error."""
        slot: _Slot[Item, Result] = _Slot(item)
        with self._lock:
            follow = self._writing
            if follow:
                slot.gate.acquire()  # uncontended: the slot is not shared yet
                self._pending.append(slot)
            else:
                self._writing = True
        if follow:
            slot.gate.acquire()  # one wake-up per waiting thread (a Condition wakes them all)
        if not slot.done:
            self._lead(slot)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set whenever error is None

    def _lead(self, slot: _Slot[Item, Result]) -> None:
        with self._lock:
            batch = [slot, *self._pending[: self._max_batch - 1]]
            del self._pending[: self._max_batch - 1]
        try:
            results = self._write([s.item for s in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"write returned {len(results)} results for {len(batch)}")
            for s, outcome in zip(batch, results, strict=True):
                if isinstance(outcome, BaseException):
                    s.error = outcome
                else:
                    s.result = outcome
        except Exception as error:
            self._fail(batch, error)
        except BaseException as error:  # KeyboardInterrupt and the like: the others still go
            self._fail(batch, error)
            raise
        finally:
            with self._lock:
                self.batches += 1
                self.items += len(batch)
                successor = self._pending.pop(0) if self._pending else None
                self._writing = successor is not None
            for s in batch:
                s.done = True
                if s is not slot:
                    s.gate.release()
            if successor is not None:
                successor.gate.release()  # not done: it leads the next batch

    @staticmethod
    def _fail(batch: list[_Slot[Item, Result]], error: BaseException) -> None:
        for s in batch:
            failed = BatchFailed(f"batch of {len(batch)} failed: {error}")
            failed.__cause__ = error
            s.result, s.error = None, failed
