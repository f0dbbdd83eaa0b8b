"""The cycle collector is off for a batch and back as it was after, also on an error."""

from __future__ import annotations

import gc
import weakref

import pytest

from siyu.core.gc_pause import collect_recent, cycle_collector_paused


def test_off_inside_and_on_again_after_even_when_the_batch_fails() -> None:
    assert gc.isenabled()
    with cycle_collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), cycle_collector_paused():
        raise RuntimeError("batch failed")
    assert gc.isenabled()


def test_a_collector_someone_else_turned_off_stays_off() -> None:
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_collect_recent_frees_a_cycle_made_while_paused() -> None:
    class Node:
        other: object = None

    with cycle_collector_paused():
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        del a, b
        assert alive() is not None  # reference counting alone cannot free a cycle
        collect_recent()
        assert alive() is None
