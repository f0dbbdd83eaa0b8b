"""Importing a whole CSV file at once (`siyu import`): every row is parsed and checked
before anything is written, with the console import's own parsing, so the command line
and the web page accept exactly the same files."""

from __future__ import annotations

import csv
from contextlib import nullcontext
from typing import Any

from django.db import transaction

from siyu.customers.batch import apply_batch
from siyu.imports.csvfile import CsvFileError, check_header, decode_upload, read_rows
from siyu.imports.run import CHUNK, PARSERS, check_items, to_row_error


def check_file(kind: str, data: bytes) -> tuple[list[Any], list[Any]]:
    """Parse and validate the whole file before anything is written, with the console
    import's own parsing so the CLI and the web page accept exactly the same files."""
    text = decode_upload(data)
    header = check_header(kind, text)
    rows = read_rows(text)
    next(rows, None)
    try:
        items, errors = PARSERS[kind](header, rows)
    except csv.Error as exc:
        raise CsvFileError(f"the file is not valid CSV: {exc}") from exc
    item_errors = check_items(kind, items)
    errors += [e for found in item_errors.values() for e in found]
    good = [item for n, item in enumerate(items) if n not in item_errors]
    return good, sorted(set(errors), key=lambda e: (e.row, e.column))


def write_items(
    kind: str, items: list[Any], *, partial: bool, progress: Any
) -> tuple[int, list[Any]]:
    """Write in chunks through the batch verbs. Without ``partial`` the chunks share one
    transaction, so a failure late in the file still leaves nothing written."""
    imported = 0
    errors: list[Any] = []
    with transaction.atomic(durable=False) if not partial else nullcontext():
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            result = apply_batch(kind, [i.raw for i in chunk], partial=partial, source="import")  # type: ignore[arg-type]
            imported += len(result.applied)
            errors += [to_row_error(chunk[e.index], e) for e in result.errors if e.index >= 0]
            if not partial and not result.ok:
                transaction.set_rollback(True)
                return 0, errors
            progress(len(chunk))
    return imported, errors
