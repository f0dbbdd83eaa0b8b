"""Run a function in real worker processes against the test database (PostgreSQL)."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_in_processes(target: Callable[..., Any], args: list[tuple[Any, ...]]) -> list[Any]:
    """Fork one process per ``args`` item, start them together, return their results.

    Fork keeps the test settings (the test database's name); every connection is closed
    first so each child opens its own."""
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(args))
    results = ctx.Queue()
    procs = [ctx.Process(target=_child, args=(target, a, barrier, results)) for a in args]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    return out


def _child(target: Callable[..., Any], args: tuple[Any, ...], barrier: Any, results: Any) -> None:
    try:
        barrier.wait(timeout=60)
        results.put(target(*args))
    except BaseException as exc:  # the parent asserts on what happened
        results.put(repr(exc))
    finally:
        connections.close_all()
