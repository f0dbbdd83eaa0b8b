from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from siyu.worker.models import PeriodicJob
from siyu.worker.schedule import SCHEDULE, enqueue_due, ensure_jobs

T0 = datetime(2026, 11, 17, 8, tzinfo=UTC)


@pytest.mark.django_db
def test_due_job_is_enqueued_once_and_rescheduled() -> None:
    ensure_jobs(T0)
    assert set(PeriodicJob.objects.values_list("name", flat=True)) == set(SCHEDULE)
    assert sorted(enqueue_due(T0)) == sorted(SCHEDULE)
    assert DBTaskResult.objects.count() == len(SCHEDULE)
    # A second worker ticking at the same moment finds nothing due.
    assert enqueue_due(T0) == []
    job = PeriodicJob.objects.get(name="refresh_rule_tags")
    assert job.next_run_at == T0 + timedelta(seconds=job.interval_seconds)
    assert "refresh_rule_tags" in enqueue_due(job.next_run_at)


@pytest.mark.django_db
def test_a_stale_claim_loses() -> None:
    ensure_jobs(T0)
    job = PeriodicJob.objects.get(name="refresh_rule_tags")
    PeriodicJob.objects.filter(pk=job.pk).update(next_run_at=T0 + timedelta(hours=1))
    won = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
        last_enqueued_at=T0
    )
    assert won == 0


@pytest.mark.django_db
def test_a_broken_job_does_not_stop_the_others() -> None:
    ensure_jobs(T0)
    PeriodicJob.objects.create(
        name="broken", task_path="siyu.nowhere.task", interval_seconds=60, next_run_at=T0
    )
    assert sorted(enqueue_due(T0)) == sorted(SCHEDULE)
