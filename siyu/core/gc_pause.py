"""The cycle collector paused for one batch of bulk work.

A batch (a journey engine batch, an import chunk) makes tens of thousands of short-lived
rows and tuples, freed by reference counting: they hold no cycles. They still count as
allocations, and set off collections that walk the whole heap — a fifth of a journey
batch's Python time, a quarter of an import's. Back on after the batch, so what does form
cycles between batches is collected as usual.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
