"""The check pass's work, kept for the write pass.

Without ``--skip-invalid`` every row is parsed and checked once to prove the file clean,
then written. Parsing and checking again for the write would double the import's cost, so
the check pass keeps each chunk's checked items: the first ``IN_MEMORY_WEIGHT`` of them
in memory (most files: pickling them cost a quarter of the import), the rest in a
temporary file (memory stays bounded whatever the file's size), and the write pass reads
them back in order, letting go of each chunk once written. Stores and staff
are looked up again when a chunk is written: the write trusts the database of that moment.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from siyu.imports.checks import Checked
from siyu.imports.packing import pack, pack_item, unpack, unpack_item
from siyu.imports.rows import ParsedItem


@dataclass
class SpilledChunk:
    entries: int  # entries of the parsed stream (see ``engine.chunks``)
    rows: int  # spreadsheet rows
    valid: list[Checked]  # items that passed the schema and rules, with their models
    # Items identical to what is stored (``unchanged``): compared again when written.
    same: list[ParsedItem] = field(default_factory=list)


# A chunk's weight in memory: its spreadsheet rows, plus ``ITEM_WEIGHT`` per item (an
# item's models and bookkeeping weigh about three order lines: ~1 KB a line, ~3.5 KB a
# customer row, measured). Counted in rows alone, 50,000 customer rows held 175 MB.
# The price is CPU: a customer row past the budget costs ~22 us more, written to disk and
# read back (50,000 customers, SQLite, CPU s: first import 4.9 -> 6.3, re-run 3.1 -> 4.3,
# against peak RSS ~390 -> ~300 MB). Cheaper packing of customer rows would win it back.
ITEM_WEIGHT = 3
# About 50 MB of checked order lines or customer rows.
IN_MEMORY_WEIGHT = 50_000


def weight(chunk: SpilledChunk) -> int:
    return chunk.rows + ITEM_WEIGHT * (len(chunk.valid) + len(chunk.same))


class Spill:
    """An append-then-read store of checked chunks: in memory up to ``IN_MEMORY_WEIGHT``,
    then in an anonymous temporary file."""

    def __init__(self, in_memory_weight: int | None = None) -> None:
        self._room = IN_MEMORY_WEIGHT if in_memory_weight is None else in_memory_weight
        self._held: list[SpilledChunk] = []
        # Closed by ``close`` (or when the write pass has read it): it outlives this call.
        self._file: IO[bytes] | None = None
        self._closed = False
        self.chunks = 0
        self.on_disk = 0

    def put(self, chunk: SpilledChunk) -> None:
        if self._closed:
            return
        self.chunks += 1
        heavy = weight(chunk)
        if not self.on_disk and heavy <= self._room:
            self._room -= heavy
            self._held.append(chunk)
            return
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="siyu-import-")  # noqa: SIM115
        # The models packed as plain values (``packing``): pickling them as they are cost
        # five times as much.
        valid = [(pack_item(item), pack(model)) for item, model in chunk.valid]
        same = [pack_item(item) for item in chunk.same]
        packed = (chunk.entries, chunk.rows, valid, same)
        pickle.dump(packed, self._file, protocol=pickle.HIGHEST_PROTOCOL)
        self.on_disk += 1

    def __iter__(self) -> Iterator[SpilledChunk]:
        if self._closed:
            return
        held, self._held = self._held, []
        held.reverse()
        while held:  # each chunk let go once written, not when the last one is
            yield held.pop()
        if self._file is not None:
            self._file.seek(0)
            for _ in range(self.on_disk):
                # Read by a helper: no local of this generator keeps the chunk alive
                # while it is written.
                yield _read(self._file)
        self.close()

    def close(self) -> None:
        self._closed = True
        self._held = []
        if self._file is not None:
            self._file.close()
            self._file = None


def _read(file: IO[bytes]) -> SpilledChunk:
    # Our own file, written by this process a moment ago: nothing else can write it.
    entries, rows, valid, same = pickle.load(file)  # noqa: S301
    checked = [(unpack_item(item), unpack(model)) for item, model in valid]
    return SpilledChunk(entries, rows, checked, [unpack_item(i) for i in same])
