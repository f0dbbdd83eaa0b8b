from __future__ import annotations

from django_tasks import task

from siyu.imports.run import run_import_job


@task()
def run_import(job_id: int) -> None:
    run_import_job(job_id)
