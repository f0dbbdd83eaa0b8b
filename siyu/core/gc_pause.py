"""The cycle collector paused for bulk work.

A batch (a journey engine batch, an import chunk) makes tens of thousands of short-lived
rows and tuples, freed by reference counting: they hold no cycles. They still count as
allocations, and set off collections that walk the whole heap — a fifth of a journey
batch's Python time, a quarter of an import's. Back on after the batch, so what does form
cycles between batches is collected as usual.

A stream of batches (an import: parsing, checking and writing chunk after chunk) keeps the
collector paused throughout and calls ``collect_recent`` after each batch: the objects made
since the last collection (the batch's) are searched for cycles, the older heap (an
import's kept chunks, tens of megabytes) is not walked again and again.
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


def collect_recent() -> None:
    """Collect the cycles among objects made since the last collection (generations 0 and
    1), without walking the long-lived heap."""
    gc.collect(1)
