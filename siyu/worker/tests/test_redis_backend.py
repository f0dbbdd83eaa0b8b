"""The optional Redis task backend, against a real Redis (CI starts one)."""

from __future__ import annotations

import os

import pytest
import redis
from django.conf import settings
from django.test import override_settings
from django_tasks import task_backends
from django_tasks.base import TaskResultStatus

from siyu.customers.models import TagKind
from siyu.customers.tagging import ensure_tag
from siyu.customers.tasks import refresh_rule_tags

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", "fast"]}}


def redis_or_skip() -> None:
    try:
        redis.Redis.from_url(settings.REDIS_URL).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            raise AssertionError(f"CI must provide Redis at {settings.REDIS_URL}") from exc
        pytest.skip(f"no Redis at {settings.REDIS_URL}")


@pytest.mark.django_db(transaction=True)
def test_task_enqueued_on_redis_runs_in_an_rq_worker() -> None:
    redis_or_skip()
    import django_rq
    from django_tasks_rq import Job
    from rq import SimpleWorker

    ensure_tag(
        "行为", "复购", kind=TagKind.RULE, rule={"metric": "order_count", "op": ">=", "value": 2}
    )
    with override_settings(TASKS=RQ_TASKS):
        backend = task_backends["default"]
        queue = django_rq.get_queue("default", job_class=Job)
        queue.empty()  # type: ignore[no-untyped-call]
        result = refresh_rule_tags.using(backend="default").enqueue()
        assert result.status == TaskResultStatus.READY
        worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
        worker.work(burst=True)
        done = backend.get_result(result.id)
        assert done.status == TaskResultStatus.SUCCESSFUL
        assert done.return_value == {"复购": [0, 0]}
