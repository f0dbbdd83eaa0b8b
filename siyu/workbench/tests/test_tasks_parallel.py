"""Real processes on PostgreSQL: the same task asked for at once (a rule and a journey
step delivered twice), and the same task closed twice at once, make one task and one event."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from siyu.customers.models import Event
from siyu.demo.brand import Brand
from siyu.loyalty.tests.parallel import run_in_processes
from siyu.workbench.models import Task, TaskKind
from siyu.workbench.tasks import TaskRefused, create_task, finish_task
from siyu.workbench.tests.factories import make_customer


def _create(customer_id: int, staff_id: int) -> int:
    task = create_task(customer_id=customer_id, staff_id=staff_id, kind=TaskKind.CALL,
                       title="回访", due_at=timezone.now() + timedelta(hours=1),
                       source="journey", source_key="j1:s2:e3")  # fmt: skip
    return task.pk


def _finish(task_id: int) -> str:
    try:
        finish_task(task_id, "reached")
    except TaskRefused:
        return "refused"
    return "done"


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_create_and_close_make_one_task_and_one_event(brand: Brand) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    customer = make_customer(brand.chen_jing)
    ids = run_in_processes(_create, [(customer.pk, brand.chen_jing.pk)] * 4)
    assert len(set(ids)) == 1, ids
    assert Task.objects.count() == 1
    outcomes = run_in_processes(_finish, [(ids[0],)] * 4)
    assert sorted(outcomes) == ["done", "refused", "refused", "refused"], outcomes
    assert Event.objects.filter(type="task_done").count() == 1
