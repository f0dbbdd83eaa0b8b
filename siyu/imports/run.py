"""Running a console import job through the shared import path (``engine``).

Each chunk commits with the job's counts, error report and position, so the job shows
progress while it runs and a run that dies (a killed worker) can be resumed: the task is
repeatable, the worker's recovery requeues it, and the next run starts after the last
committed chunk with the counts it had.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.imports.csvfile import CsvFileError, check_header, read_rows
from siyu.imports.engine import MAX_REPORTED_ERRORS, Tally, check_stream, write_stream
from siyu.imports.models import ImportJob, ImportStatus
from siyu.imports.rows import RowError
from siyu.imports.writer import Options

logger = logging.getLogger(__name__)


def run_import_job(job_id: int) -> None:
    # A RUNNING job is claimed again only by its own requeued task (the recovery of a dead
    # worker's task); a finished one never is, so a re-delivered task is a no-op.
    claimed = ImportJob.objects.filter(
        pk=job_id, status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]
    ).update(status=ImportStatus.RUNNING, attempts=F("attempts") + 1, updated_at=timezone.now())
    if not claimed:
        return
    job = ImportJob.objects.get(pk=job_id)
    try:
        import_job(job)
    except CsvFileError as exc:
        finish(job, ImportStatus.FAILED, str(exc))
    except Exception:
        logger.exception("import job %s failed", job_id)
        finish(job, ImportStatus.FAILED, _("The import stopped on an unexpected error."))
        raise


def _rows(job: ImportJob) -> tuple[list[str], Iterator[list[str]]]:
    header = check_header(job.kind, job.content)
    rows = read_rows(job.content)
    next(rows, None)
    return header, rows


def import_job(job: ImportJob) -> None:
    header, rows = _rows(job)
    checked = None
    if not job.resume_position and not job.skip_invalid:
        checked = check_stream(job.kind, header, rows, lambda n: None, keep=True)
        if checked.rejected_rows:
            job.invalid_rows = checked.rejected_rows
            job.error_report = report(checked.errors)
            finish(job, ImportStatus.REJECTED, "")
            return
        header, rows = _rows(job)
    options = Options(update=job.update_existing, actor=job.created_by)
    write_stream(
        job.kind,
        header,
        rows,
        options,
        skip=job.resume_position,
        on_chunk=lambda delta: save_chunk(job, delta),
        checked=checked,
    )
    finish(job, ImportStatus.DONE, "")


def report(errors: list[RowError]) -> list[dict[str, object]]:
    ordered = sorted(set(errors), key=lambda e: (e.row, e.column))
    return [{"row": e.row, "column": e.column, "message": e.message} for e in ordered]


def save_chunk(job: ImportJob, delta: Tally) -> None:
    """Runs inside the chunk's transaction: the counts and the position commit with the
    rows they describe, or not at all."""
    job.created_count += delta.created
    job.unchanged_count += delta.unchanged
    job.updated_count += delta.updated
    job.invalid_rows += delta.rejected_rows
    job.imported_rows += delta.rows - delta.rejected_rows
    job.processed_rows = min(job.total_rows, job.processed_rows + delta.rows)
    job.resume_position += delta.position
    room = MAX_REPORTED_ERRORS - len(job.error_report)
    if delta.errors and room > 0:
        job.error_report = job.error_report + report(delta.errors)[:room]
    job.save(
        update_fields=[
            "created_count",
            "unchanged_count",
            "updated_count",
            "invalid_rows",
            "imported_rows",
            "processed_rows",
            "resume_position",
            "error_report",
            "updated_at",
        ]
    )


@transaction.atomic
def finish(job: ImportJob, status: str, message: str) -> None:
    job.status = status
    job.message = message[:500]
    if status != ImportStatus.FAILED:
        job.processed_rows = job.total_rows
    job.error_report = sorted(job.error_report, key=lambda e: (e["row"], str(e["column"])))
    job.content = ""  # personal data is not kept once the job no longer needs it
    job.finished_at = timezone.now()
    job.save()
