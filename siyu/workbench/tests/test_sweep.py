from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.customers.models import Event
from siyu.demo.brand import Brand
from siyu.workbench.models import Outcome, Task, TaskState
from siyu.workbench.sweep import sweep
from siyu.workbench.tasks import finish_task
from siyu.workbench.tests.factories import make_customer, make_task, notices

pytestmark = pytest.mark.django_db


def test_overdue_sweep_marks_records_and_reminds_once(brand: Brand) -> None:
    late = make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(hours=-2))
    later = make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(days=2))
    first = sweep()
    assert (first.overdue, first.reminded_overdue) == (1, 1)
    assert Task.objects.get(pk=late.pk).state == TaskState.OVERDUE
    assert Task.objects.get(pk=later.pk).state == TaskState.OPEN
    event = Event.objects.get(type="task_overdue")
    assert event.properties["task_id"] == late.pk
    assert event.properties["outcome"] == "overdue"
    again = sweep()
    assert (again.overdue, again.reminded_overdue) == (0, 0)
    assert notices(brand.chen_jing) == [f"task:{late.pk}:overdue"]


def test_a_task_due_within_the_hour_is_reminded_once(brand: Brand) -> None:
    soon = make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(minutes=30))
    assert sweep().reminded_soon == 1
    assert sweep().reminded_soon == 0
    # A lost stamp (the worker died after planning) plans it again; the send log keeps one.
    Task.objects.filter(pk=soon.pk).update(reminded_soon_at=None)
    sweep()
    assert notices(brand.chen_jing) == [f"task:{soon.pk}:soon"]


def test_an_overdue_task_can_still_be_done(brand: Brand) -> None:
    task = make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(hours=-1))
    sweep()
    finish_task(task.pk, Outcome.REACHED)
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE
    types = list(Event.objects.order_by("pk").values_list("type", flat=True))
    assert types[-2:] == ["task_overdue", "task_done"]


def test_a_rep_without_wecom_is_not_stamped_reminded(brand: Brand) -> None:
    brand.chen_jing.wecom_userid = None
    brand.chen_jing.save()
    task = make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(minutes=5))
    assert sweep(timezone.now()).reminded_soon == 0
    assert Task.objects.get(pk=task.pk).reminded_soon_at is None
