from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from siyu.customers.models import Event
from siyu.demo.brand import Brand
from siyu.workbench.assign import assign_tasks
from siyu.workbench.models import Outcome, Task, TaskKind, TaskState
from siyu.workbench.tasks import TaskRefused, cancel_task, create_task, finish_task, skip_task
from siyu.workbench.tests.factories import make_customer, make_task

pytestmark = pytest.mark.django_db


def test_create_task_is_idempotent_on_source_and_key(brand: Brand) -> None:
    customer = make_customer(brand.chen_jing, "张敏")
    args = {
        "customer_id": customer.pk,
        "staff_id": brand.chen_jing.pk,
        "kind": TaskKind.SEND_MATERIAL,
        "title": "发《手冲入门》",
        "due_at": timezone.now() + timedelta(hours=2),
        "source": "journey",
        "source_key": "j1:step3:enr9",
        "material_id": 42,
        "payload": {"step": 3},
    }
    first = create_task(**args)  # type: ignore[arg-type]
    again = create_task(**{**args, "title": "another"})  # type: ignore[arg-type]
    assert again.pk == first.pk
    assert Task.objects.count() == 1
    assert first.material_id == 42
    assert first.payload == {"step": 3}


def test_create_task_refuses_unknown_kind_and_naive_time(brand: Brand) -> None:
    customer = make_customer(brand.chen_jing)
    base = {"customer_id": customer.pk, "staff_id": brand.chen_jing.pk, "title": "x",
            "source": "t", "source_key": "k"}  # fmt: skip
    with pytest.raises(ValueError, match="kind"):
        create_task(kind="dance", due_at=timezone.now(), **base)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="aware"):
        create_task(kind=TaskKind.CALL, due_at=datetime(2026, 1, 1), **base)  # type: ignore[arg-type]  # noqa: DTZ001


def test_done_records_a_task_done_event_with_the_contract_properties(brand: Brand) -> None:
    customer = make_customer(brand.chen_jing)
    task = make_task(customer, brand.chen_jing, key="abc")
    finish_task(task.pk, Outcome.CONVERTED, note="买了两包豆子", by=brand.chen_jing)
    task.refresh_from_db()
    assert (task.state, task.outcome, task.outcome_note) == ("done", "converted", "买了两包豆子")
    event = Event.objects.get(customer=customer, type="task_done")
    assert {k: event.properties[k] for k in ("task_id", "source", "source_key", "outcome")} == {
        "task_id": task.pk,
        "source": "test",
        "source_key": "abc",
        "outcome": "converted",
    }


def test_skip_records_task_done_with_outcome_skipped(brand: Brand) -> None:
    task = make_task(make_customer(brand.chen_jing), brand.chen_jing)
    skip_task(task.pk, note="客户出差")
    event = Event.objects.get(type="task_done")
    assert event.properties["outcome"] == "skipped"
    assert Task.objects.get(pk=task.pk).state == TaskState.SKIPPED


def test_a_closed_task_cannot_be_closed_again_nor_by_another_rep(brand: Brand) -> None:
    task = make_task(make_customer(brand.chen_jing), brand.chen_jing)
    with pytest.raises(TaskRefused):
        finish_task(task.pk, Outcome.REACHED, by=brand.wang_qiang)
    finish_task(task.pk, Outcome.REACHED)
    with pytest.raises(TaskRefused):
        skip_task(task.pk)
    with pytest.raises(TaskRefused):
        finish_task(task.pk, "whatever")
    assert Event.objects.filter(type="task_done").count() == 1


def test_cancel_closes_without_an_event(brand: Brand) -> None:
    task = make_task(make_customer(brand.chen_jing), brand.chen_jing)
    assert cancel_task(task.pk)
    assert not cancel_task(task.pk)
    assert Task.objects.get(pk=task.pk).state == TaskState.CANCELLED
    assert not Event.objects.filter(type__startswith="task_").exists()


def test_operator_tasks_go_to_each_customers_owner_once(brand: Brand) -> None:
    mine = [make_customer(brand.chen_jing) for _ in range(3)]
    his = make_customer(brand.wang_qiang)
    nobody = make_customer(None)
    ids = [c.pk for c in [*mine, his, nobody]]
    due = timezone.now() + timedelta(days=1)
    made, unowned = assign_tasks(ids, kind=TaskKind.CALL, title="回访 {name}", due_at=due,
                                 batch_key="b1", created_by_id=brand.lin_yue.pk)  # fmt: skip
    assert (made, unowned) == (4, 1)
    assign_tasks(ids, kind=TaskKind.CALL, title="回访 {name}", due_at=due, batch_key="b1")
    assert Task.objects.count() == 4
    assert Task.objects.filter(staff=brand.chen_jing).count() == 3
    assert Task.objects.get(customer=his).title == f"回访 {his.display_name}"
