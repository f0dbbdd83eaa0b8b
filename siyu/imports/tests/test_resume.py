"""An import whose worker is killed mid-file is resumed, not lost and not doubled."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from siyu.customers.models import Customer
from siyu.demo.brand import Brand
from siyu.imports.models import ImportJob, ImportStatus
from siyu.imports.run import run_import_job
from siyu.imports.start import start_import
from siyu.imports.tasks import run_import
from siyu.worker import recovery
from siyu.worker.tests.processes import start_worker

ROWS = 1_200


def customers_file(rows: int) -> bytes:
    lines = ["phone,display_name"] + [
        f"137{(n * 7919 + 12345678) % 10**8:08d},客户{n}" for n in range(rows)
    ]
    return ("\n".join(lines) + "\n").encode()


def wait_until(check: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def failures() -> str:
    from django_tasks_db.models import DBTaskResult

    found = DBTaskResult.objects.filter(task_path=run_import.module_path)
    return "\n".join(t[-1500:] for t in found.values_list("traceback", flat=True))


def test_the_import_task_is_repeatable() -> None:
    assert run_import.module_path in recovery.REPEATABLE


@pytest.mark.django_db
def test_a_run_that_stopped_after_a_chunk_continues_from_there(brand: Brand, settings: Any) -> None:
    settings.SIYU_IMPORT_CHUNK_ROWS = 100
    job = start_import("customers", "f.csv", customers_file(350), skip_invalid=False, user=None)
    # What a killed worker leaves: RUNNING, two chunks committed with their counts.
    partial = customers_file(200)
    ImportJob.objects.filter(pk=job.pk).update(content=partial.decode())
    run_import_job(job.pk)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, content=customers_file(350).decode(), finished_at=None
    )
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.unchanged_count, job.updated_count) == (350, 0, 0)
    assert job.attempts == 2
    assert Customer.objects.count() == 350


@pytest.mark.django_db(transaction=True)
def test_an_import_survives_its_worker_being_killed(
    brand: Brand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if connection.vendor == "sqlite" and connection.settings_dict["NAME"].startswith(":memory"):
        pytest.skip("a worker process needs a database file to share")
    monkeypatch.setenv("SIYU_IMPORT_CHUNK_ROWS", "50")
    # The job's file is encrypted at rest: the worker must hold the same key.
    monkeypatch.setenv("SIYU_PII_KEY", django_settings.PII_KEY)
    job = start_import("customers", "f.csv", customers_file(ROWS), skip_invalid=False, user=None)
    first = start_worker(tmp_path)
    try:
        wait_until(lambda: ImportJob.objects.get(pk=job.pk).processed_rows >= 100)
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        first.kill()
    stopped = ImportJob.objects.get(pk=job.pk)
    assert stopped.status == ImportStatus.RUNNING
    assert 0 < stopped.processed_rows < ROWS, "the kill must land mid-import"

    later = timezone.now() + recovery.lost_after() * 2
    assert recovery.recover_lost_tasks(later) == {"requeued": 1, "failed": 0}
    second = start_worker(tmp_path)
    try:
        wait_until(lambda: ImportJob.objects.get(pk=job.pk).is_finished)
    finally:
        second.terminate()
        second.wait(timeout=30)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE, failures()
    assert job.attempts == 2
    assert (job.created_count, job.unchanged_count, job.invalid_rows) == (ROWS, 0, 0)
    assert Customer.objects.count() == ROWS
