"""Planning a big send in two threads on PostgreSQL, so that the planner's decisions for
one chunk overlap the database's writes of the one before.

One thread plans in strict turns with its database: it decides while the server waits,
and the server reads and writes while it waits (measured at 1M recipients: 19 s of this
process's CPU and 31 s of the server's for 47 s of wall time). With two threads, each on
its own connection and transaction, one thread's chunk is read and decided while the
other's is written.

What stays as with one thread:
- A chunk's row locks, decisions and rows commit in one transaction.
- Chunks take their row locks in recipient order, one chunk after the other (the fetch
  runs under ``_Turns.fetching``), as one planner would: a second planner reaching the same
  customers waits for them in the same order and cannot deadlock with these threads.
- Chunks are decided, then written and committed, in recipient order (``_Turns.wait``):
  the decisions are those one thread makes, the plan's staff tasks fill part by part as
  with one thread, a chunk's sends refer only to tasks already committed, and the
  senders' durable day counters are taken in the same order.
- A failure in either thread stops both; what committed stays, and the plan, still
  planning, is finished by the next call (its idempotency key skips what is stored).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

from django.db import connection, transaction

C = TypeVar("C")
F = TypeVar("F")
D = TypeVar("D")
THREADS = 2


class _Stopped(Exception):
    """The other thread failed: leave without writing."""


class _Turns:
    """Chunk k's ordered steps wait for chunk k - 1's: ``decided`` and ``written`` count
    the chunks that have passed each step, in order."""

    def __init__(self) -> None:
        self.fetching = threading.Lock()
        self.changed = threading.Condition()
        self.taken = 0  # chunks handed out
        self.passed = {"decided": 0, "written": 0}
        self.error: BaseException | None = None

    def wait(self, step: str, k: int) -> None:
        with self.changed:
            self.changed.wait_for(lambda: self.passed[step] == k or self.error is not None)
            if self.error is not None:
                raise _Stopped

    def done(self, step: str, k: int) -> None:
        with self.changed:
            self.passed[step] = k + 1
            self.changed.notify_all()

    def fail(self, exc: BaseException) -> None:
        with self.changed:
            if self.error is None:
                self.error = exc
            self.changed.notify_all()


def plan_overlapped(
    chunks: Iterator[C],
    read: Callable[[C], F],
    decide: Callable[[F], D],
    write: Callable[[D], None],
    after: Callable[[C], None],
) -> None:
    """For each chunk from ``chunks`` (fetched with its row locks, in order), in one
    transaction: ``read`` its facts (side by side with the other thread's chunk), then in
    chunk order ``decide`` on them, then in chunk order ``write`` the decisions and
    commit; ``after`` runs in chunk order once the chunk committed. In chunk order, the
    decisions and writes are those one thread makes. Raises the first failure."""
    turns = _Turns()

    def work() -> None:
        try:
            while True:
                with transaction.atomic():
                    with turns.fetching:
                        if turns.error is not None:
                            return
                        chunk = next(chunks, None)
                        k, turns.taken = turns.taken, turns.taken + 1
                    if chunk is None:
                        return
                    facts = read(chunk)
                    turns.wait("decided", k)
                    decided = decide(facts)
                    turns.done("decided", k)
                    turns.wait("written", k)
                    write(decided)
                after(chunk)
                turns.done("written", k)
        except _Stopped:
            pass
        except BaseException as exc:  # handed to the caller's thread
            turns.fail(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, name=f"plan-{n}") for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if turns.error is not None:
        raise turns.error


def can_overlap() -> bool:
    """Only at the top level (a caller's transaction is invisible to other connections)
    and on PostgreSQL (SQLite has one writer: a second thread would wait for its lock)."""
    return connection.vendor == "postgresql" and not connection.in_atomic_block
