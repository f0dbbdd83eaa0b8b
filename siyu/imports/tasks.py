from __future__ import annotations

from django_tasks import task

from siyu.imports.run import run_import_job
from siyu.worker.recovery import repeatable


# Repeatable: every chunk commits with the job's position, and writing a chunk again finds
# its rows unchanged, so a run of a dead worker is resumed, never doubled.
@repeatable
@task()
def run_import(job_id: int) -> None:
    run_import_job(job_id)
