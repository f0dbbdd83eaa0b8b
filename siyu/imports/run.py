"""Importing a CSV job's rows through the shared batch ingestion.

The whole file is checked before anything is written, so a file with invalid rows writes
nothing unless the user asked to skip them. Writing then goes in chunks, each its own
transaction, so progress is visible and SQLite's write lock is never held for minutes.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import BaseModel

from siyu.customers.batch import KINDS, BatchKind, FieldError, apply_batch, validate_items
from siyu.customers.batch_checks import References, load_references, reference_problems
from siyu.imports.csvfile import CsvFileError, check_header, read_rows
from siyu.imports.models import ImportJob, ImportStatus
from siyu.imports.rows import ParsedItem, RowError, locate, parse_customers, parse_orders

logger = logging.getLogger(__name__)

CHUNK = 500
SOURCE = "import"
MAX_REPORTED_ERRORS = 10_000
Parser = Callable[[list[str], Iterable[list[str]]], tuple[list[ParsedItem], list[RowError]]]
PARSERS: dict[str, Parser] = {"customers": parse_customers, "orders": parse_orders}


@dataclass
class Outcome:
    errors: list[RowError] = field(default_factory=list)
    imported_rows: int = 0

    @property
    def invalid_rows(self) -> int:
        return len({e.row for e in self.errors})


def run_import_job(job_id: int) -> None:
    # Claiming with a conditional update makes a re-delivered task a no-op.
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.PENDING).update(
        status=ImportStatus.RUNNING, updated_at=timezone.now()
    )
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    try:
        outcome = import_job(job)
    except CsvFileError as exc:
        finish(job, ImportStatus.FAILED, Outcome(), str(exc))
    except Exception:
        logger.exception("import job %s failed", job_id)
        finish(job, ImportStatus.FAILED, Outcome(), _("The import stopped on an unexpected error."))
        raise
    else:
        rejected = outcome.errors and not job.skip_invalid and not outcome.imported_rows
        finish(job, ImportStatus.REJECTED if rejected else ImportStatus.DONE, outcome, "")


def parse_job(job: ImportJob) -> tuple[list[ParsedItem], list[RowError]]:
    header = check_header(job.kind, job.content)
    rows = read_rows(job.content)
    next(rows, None)
    try:
        return PARSERS[job.kind](header, rows)
    except csv.Error as exc:  # a malformed quote deep in the file
        raise CsvFileError(_("The file is not valid CSV: %(error)s") % {"error": exc}) from exc


def import_job(job: ImportJob) -> Outcome:
    items, row_errors = parse_job(job)
    item_errors = check_items(job.kind, items)
    outcome = Outcome(errors=row_errors + [e for errs in item_errors.values() for e in errs])
    if outcome.errors and not job.skip_invalid:
        return outcome
    good = [item for n, item in enumerate(items) if n not in item_errors]
    done_rows = job.total_rows - sum(len(item.rows) for item in good)
    save_progress(job, done_rows)
    for start in range(0, len(good), CHUNK):
        chunk = good[start : start + CHUNK]
        write_chunk(job.kind, chunk, outcome)
        done_rows += sum(len(item.rows) for item in chunk)
        save_progress(job, done_rows)
    return outcome


def check_items(kind: str, items: list[ParsedItem]) -> dict[int, list[RowError]]:
    """Every problem of every item, by item index, without writing anything."""
    spec = KINDS[kind]
    valid, field_errors = validate_items(spec, [item.raw for item in items])
    refs = load_references(model for _, model in valid)
    for index, model in valid:
        field_errors.extend(reference_field_errors(index, model, refs))
    found: dict[int, list[RowError]] = {}
    for error in field_errors:
        found.setdefault(error.index, []).append(to_row_error(items[error.index], error))
    return found


def reference_field_errors(index: int, model: BaseModel, refs: References) -> list[FieldError]:
    return [FieldError(index, path, msg) for path, msg in reference_problems(model, refs)]


def to_row_error(item: ParsedItem, error: FieldError) -> RowError:
    row, column = locate(item, error.field)
    return RowError(row, column, error.message)


def write_chunk(kind: str, chunk: list[ParsedItem], outcome: Outcome) -> None:
    batch_kind: BatchKind = "customers" if kind == "customers" else "orders"
    result = apply_batch(batch_kind, [item.raw for item in chunk], partial=True, source=SOURCE)
    for applied in result.applied:
        outcome.imported_rows += len(chunk[applied.index].rows)
    for error in result.errors:
        if 0 <= error.index < len(chunk):
            outcome.errors.append(to_row_error(chunk[error.index], error))


def save_progress(job: ImportJob, processed: int) -> None:
    job.processed_rows = min(processed, job.total_rows)
    ImportJob.objects.filter(pk=job.pk).update(
        processed_rows=job.processed_rows, updated_at=timezone.now()
    )


@transaction.atomic
def finish(job: ImportJob, status: str, outcome: Outcome, message: str) -> None:
    errors = sorted(set(outcome.errors), key=lambda e: (e.row, e.column))
    job.status = status
    job.message = message[:500]
    job.error_report = [
        {"row": e.row, "column": e.column, "message": e.message}
        for e in errors[:MAX_REPORTED_ERRORS]
    ]
    job.invalid_rows = outcome.invalid_rows
    job.imported_rows = outcome.imported_rows
    if status != ImportStatus.FAILED:
        job.processed_rows = job.total_rows
    job.content = ""  # personal data is not kept once the job no longer needs it
    job.finished_at = timezone.now()
    job.save()
