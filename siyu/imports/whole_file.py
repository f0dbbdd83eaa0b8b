"""Importing a CSV file from disk (`siyu import`, and the import benchmark): the console
import's own path (``engine``), reading the file as a stream so any size fits in memory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from django.utils.translation import gettext as _

from siyu.imports.csvfile import CsvFileError, check_header_row, open_csv
from siyu.imports.engine import ChunkWriter, Tally, check_stream, write_stream
from siyu.imports.writer import Options


def approximate_rows(path: Path) -> int:
    """Lines of the file minus its header, for a progress bar (quoted line breaks aside)."""
    lines = 0
    with path.open("rb") as raw:
        while block := raw.read(1 << 20):
            lines += block.count(b"\n")
    return max(lines - 1, 0)


def _header(kind: str, path: Path) -> list[str]:
    first = next(open_csv(str(path)), None)
    if first is None:
        raise CsvFileError(_("The file is empty."))
    return check_header_row(kind, first)


def _rows(path: Path) -> Iterator[list[str]]:
    rows = open_csv(str(path))
    next(rows, None)
    return rows


def check_path(
    kind: str, path: Path, progress: Callable[[int], None], *, keep: bool = False
) -> Tally:
    """Every problem of the file, writing nothing; ``keep`` as in ``check_stream``."""
    return check_stream(kind, _header(kind, path), _rows(path), progress, keep=keep)


def import_path(
    kind: str,
    path: Path,
    options: Options,
    progress: Callable[[int], None],
    writer: ChunkWriter | None = None,
    checked: Tally | None = None,
) -> Tally:
    """Write the file; ``checked`` is its check pass when one ran (its work is reused)."""
    return write_stream(
        kind,
        _header(kind, path),
        _rows(path),
        options,
        progress=progress,
        writer=writer,
        checked=checked,
    )


def summary(kind: str, tally: Tally) -> str:
    what = _("customers") if kind == "customers" else _("orders")
    return _(
        "%(what)s: %(created)d created, %(unchanged)d unchanged, %(updated)d updated; "
        "%(rejected)d rows rejected."
    ) % {
        "what": what,
        "created": tally.created,
        "unchanged": tally.unchanged,
        "updated": tally.updated,
        "rejected": tally.rejected_rows,
    }
