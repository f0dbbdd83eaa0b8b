"""The engine as an RQ task against a real Redis: two runs of the same batch, one effect."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus

from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import StepEffect, WebhookCall
from siyu.journeys.tasks import advance_journeys
from siyu.journeys.tests.factories import chain, make_journey, plain_customers
from siyu.worker.tests.test_redis_backend import RQ_TASKS, redis_or_skip


@pytest.mark.django_db(transaction=True)
def test_due_steps_advanced_by_rq_workers_run_once() -> None:
    redis_or_skip()
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    journey = make_journey(chain({"type": "webhook", "url": "https://hook.test/"}))
    people = plain_customers(20)
    enroll(journey, [Entrant(c.pk) for c in people], source="api")
    with override_settings(TASKS=RQ_TASKS):
        backend = task_backends["default"]
        queue = django_rq.get_queue("default", job_class=Job)
        queue.empty()  # type: ignore[no-untyped-call]
        first = advance_journeys.using(backend="default").enqueue(1)
        second = advance_journeys.using(backend="default").enqueue(1)
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        results = [backend.get_result(r.id) for r in (first, second)]
    assert [r.status for r in results] == [TaskResultStatus.SUCCESSFUL] * 2
    assert sum(int(r.return_value or 0) for r in results) == 20
    assert WebhookCall.objects.count() == 20
    assert StepEffect.objects.count() == 40
