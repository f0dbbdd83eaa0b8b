"""Real parallel processes against PostgreSQL: forked workers, each with its own
connection, started together at a barrier, so limits are tested against true concurrency
(not threads taking turns on the GIL)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connection, connections

# Four processes on a 2-core machine already keep every contended row with waiters;
# more only add forks and connections, not contention.
PROCESSES = 4
_start: Any = None


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel processes need PostgreSQL; SQLite has one writer at a time")


def _init(barrier: Any) -> None:
    global _start
    _start = barrier


def _run(job: tuple[Callable[[Any], Any], Sequence[Any]]) -> list[Any]:
    work, items = job
    _start.wait()
    try:
        return [work(item) for item in items]
    finally:
        connections.close_all()


def in_processes(
    work: Callable[[Any], Any], items: Sequence[Any], processes: int = PROCESSES
) -> list[Any]:
    """``work(item)`` for every item, spread over ``processes`` forked processes; results in
    no particular order. ``work`` must be a module-level function."""
    connections.close_all()  # no socket may be shared with the children
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(processes)
    chunks = [(work, list(items[i::processes])) for i in range(processes)]
    with ctx.Pool(processes, initializer=_init, initargs=(barrier,)) as pool:
        results = pool.map(_run, chunks)
    return [r for chunk in results for r in chunk]
