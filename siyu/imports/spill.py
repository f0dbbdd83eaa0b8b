"""The check pass's work, kept for the write pass.

Without ``--skip-invalid`` every row is parsed and checked once to prove the file clean,
then written. Parsing and checking again for the write would double the import's cost, so
the check pass puts each chunk's checked items in a temporary file (one chunk in memory
at a time, whatever the file's size) and the write pass reads them back. Stores and staff
are looked up again when a chunk is written: the write trusts the database of that moment.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from siyu.imports.checks import Checked


@dataclass
class SpilledChunk:
    entries: int  # entries of the parsed stream (see ``engine.chunks``)
    rows: int  # spreadsheet rows
    valid: list[Checked]  # items that passed the schema and rules, with their models


class Spill:
    """An append-then-read store of checked chunks in an anonymous temporary file."""

    def __init__(self) -> None:
        # Closed by ``close`` (or when the write pass has read it): it outlives this call.
        self._file: IO[bytes] | None = tempfile.TemporaryFile(prefix="siyu-import-")  # noqa: SIM115
        self.chunks = 0

    def put(self, chunk: SpilledChunk) -> None:
        if self._file is not None:
            pickle.dump(chunk, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self.chunks += 1

    def __iter__(self) -> Iterator[SpilledChunk]:
        if self._file is None:
            return
        self._file.seek(0)
        for _ in range(self.chunks):
            # Our own file, written by this process a moment ago: nothing else can write it.
            yield pickle.load(self._file)  # noqa: S301
        self.close()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
