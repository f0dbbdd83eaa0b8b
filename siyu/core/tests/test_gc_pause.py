"""The cycle collector is off for a batch and back as it was after, also on an error."""

from __future__ import annotations

import gc

import pytest

from siyu.core.gc_pause import cycle_collector_paused


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
