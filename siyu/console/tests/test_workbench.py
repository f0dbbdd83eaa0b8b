"""The workbench pages: the rep's phone page (today's tasks, one-tap done/skip, notes on
the 360 page), the operator's task/rule/quota admin, the board and the loss alerts."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from siyu.console.tests.factories import login
from siyu.customers.models import Event
from siyu.demo.brand import Brand
from siyu.workbench.models import FollowNote, LossAlert, LossKind, Quota, Task, TaskRule, TaskState
from siyu.workbench.sweep import sweep
from siyu.workbench.tests.factories import make_customer, make_task

pytestmark = pytest.mark.django_db


def test_the_rep_sees_her_tasks_of_today_and_not_anothers(client: Client, brand: Brand) -> None:
    zhang = make_customer(brand.chen_jing, "张敏")
    # Due now: today whatever the hour (a task due in 3 h may be due tomorrow).
    mine = make_task(zhang, brand.chen_jing, due_in=timedelta(0))
    make_task(make_customer(brand.wang_qiang, "王先生"), brand.wang_qiang, due_in=timedelta(0))
    later = make_task(zhang, brand.chen_jing, due_in=timedelta(days=3))
    login(client, brand.chen_jing)
    body = client.get(reverse("console:workbench")).content.decode()
    assert f'id="task-{mine.pk}"' in body
    assert f'id="task-{later.pk}"' not in body  # coming up, not today
    assert later.title in body
    assert "王先生" not in body


def test_one_tap_done_with_outcome_and_note(client: Client, brand: Brand) -> None:
    zhang = make_customer(brand.chen_jing, "张敏")
    task = make_task(zhang, brand.chen_jing)
    login(client, brand.chen_jing)
    url = reverse("console:workbench_task_close", args=[task.pk])
    response = client.post(url, {"action": "done", "outcome": "converted", "note": "买了豆子"},
                           headers={"HX-Request": "true"})  # fmt: skip
    assert response.status_code == 200
    assert f'id="task-{task.pk}"' in response.content.decode()
    task.refresh_from_db()
    assert (task.state, task.outcome) == (TaskState.DONE, "converted")
    assert FollowNote.objects.get(customer=zhang).text == "买了豆子"
    assert Event.objects.filter(type="task_done", customer=zhang).count() == 1
    # Tapping twice does nothing more.
    assert client.post(url, {"action": "done"}).status_code == 404
    detail = client.get(reverse("console:customer_detail", args=[zhang.pk])).content.decode()
    assert "买了豆子" in detail


def test_bad_close_parameters_are_a_400_and_anothers_task_a_404(client: Client, brand: Brand) -> None:  # fmt: skip
    task = make_task(make_customer(brand.chen_jing), brand.chen_jing)
    his = make_task(make_customer(brand.wang_qiang), brand.wang_qiang)
    login(client, brand.chen_jing)
    url = reverse("console:workbench_task_close", args=[task.pk])
    assert client.post(url, {"action": "dance"}).status_code == 400
    assert client.post(url, {"action": "done", "outcome": "maybe"}).status_code == 400
    assert client.post(url, {"action": "skip", "note": "x" * 201}).status_code == 400
    other = reverse("console:workbench_task_close", args=[his.pk])
    assert client.post(other, {"action": "skip"}).status_code == 404
    assert Task.objects.get(pk=his.pk).state == TaskState.OPEN


def test_a_note_on_the_360_page_is_saved_and_shown(client: Client, brand: Brand) -> None:
    zhang = make_customer(brand.chen_jing, "张敏")
    stranger = make_customer(brand.wang_qiang, "陌生人")
    login(client, brand.chen_jing)
    url = reverse("console:workbench_note_add", args=[zhang.pk])
    response = client.post(url, {"text": "喜欢浅烘", "back": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == reverse("console:customer_detail", args=[zhang.pk])
    assert "喜欢浅烘" in client.get(response["Location"]).content.decode()
    assert client.post(url, {"text": ""}).status_code == 400
    outside = reverse("console:workbench_note_add", args=[stranger.pk])
    assert client.post(outside, {"text": "x"}).status_code == 404


def test_the_workbench_page_query_count_does_not_grow_with_tasks(
    client: Client, brand: Brand, django_assert_max_num_queries: Any
) -> None:
    for _ in range(8):
        make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(hours=-1))
    sweep()
    for _ in range(4):
        customer = make_customer(brand.chen_jing)
        make_task(customer, brand.chen_jing, due_in=timedelta(0))
    LossAlert.objects.create(customer=customer, staff=brand.chen_jing, event_id=1,
                             kind=LossKind.CUSTOMER_LEFT, occurred_at=timezone.now())  # fmt: skip
    login(client, brand.chen_jing)
    # session + user + staff; tasks, upcoming, alerts, overdue; board: 3 follow figures,
    # 2 task figures, 2 order figures, quotas; messages.
    with django_assert_max_num_queries(18):
        response = client.get(reverse("console:workbench"))
    assert response.status_code == 200
    assert response.content.decode().count('class="wb-actions"') == 12


def test_operator_assigns_tasks_to_owners_once(client: Client, brand: Brand) -> None:
    a, b = make_customer(brand.chen_jing), make_customer(brand.wang_qiang)
    login(client, brand.lin_yue)
    url = reverse("console:workbench_tasks")
    form = {"kind": "call", "title": "回访 {name}", "customers": f"{a.pk}, {b.pk}",
            "day": timezone.localdate().isoformat(), "hour": "18", "key": "form1"}  # fmt: skip
    assert client.post(url, form).status_code == 302
    assert client.post(url, form).status_code == 302
    assert Task.objects.count() == 2
    assert Task.objects.get(customer=b).staff_id == brand.wang_qiang.pk
    assert client.post(url, {**form, "customers": "1; drop"}).status_code == 400
    assert client.post(url, {**form, "kind": "dance"}).status_code == 400
    assert client.get(url, {"state": "nope"}).status_code == 400
    assert "回访" in client.get(url).content.decode()


def test_a_sales_rep_cannot_open_the_admin_pages(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    for name in ("console:workbench_tasks", "console:workbench_rules", "console:workbench_quotas"):
        assert client.get(reverse(name)).status_code == 403


def test_hq_adds_a_rule_and_a_quota(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    rule = {"name": "读三次", "trigger": "event", "event_type": "material_open", "property": "opens",
            "op": ">=", "value": "3", "once_per": "material_id", "kind": "chat",
            "title": "{name} 阅读《{material}》{opens} 次：跟进", "due_hours": "4"}  # fmt: skip
    assert client.post(reverse("console:workbench_rules"), rule).status_code == 302
    assert TaskRule.objects.get().condition == {"property": "opens", "op": ">=", "value": 3}
    assert client.post(reverse("console:workbench_rules"), {**rule, "op": "~"}).status_code == 400
    quota = {"metric": "new_contacts", "target": "15", "unit": brand.chen_jing.org_unit_id}
    assert client.post(reverse("console:workbench_quotas"), quota).status_code == 302
    assert Quota.objects.get().target == 15
    assert (
        client.post(reverse("console:workbench_quotas"), {**quota, "target": "x"}).status_code
        == 400
    )
    login(client, brand.wang_qiang)
    assert client.post(reverse("console:workbench_quotas"), quota).status_code == 403


def test_board_and_alerts_pages_are_scoped(client: Client, brand: Brand) -> None:
    make_customer(brand.chen_jing)
    LossAlert.objects.create(customer=make_customer(None, "李四"), staff=brand.chen_jing,
                             event_id=2, kind=LossKind.STAFF_DELETED, occurred_at=timezone.now())  # fmt: skip
    login(client, brand.wang_qiang)
    board = client.get(reverse("console:workbench_board"), {"by": "store", "period": "week"})
    assert "上海静安店" in board.content.decode()
    assert client.get(reverse("console:workbench_board"), {"by": "planet"}).status_code == 400
    assert "李四" in client.get(reverse("console:workbench_alerts")).content.decode()
    login(client, brand.chen_jing)
    body = client.get(reverse("console:workbench_board")).content.decode()
    assert "陈静" in body
    assert "王强" not in body.split("<table")[1]


def test_the_first_screen_counts_tasks_due_in_scope(client: Client, brand: Brand) -> None:
    make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(hours=-1))
    sweep()
    make_task(make_customer(brand.chen_jing), brand.chen_jing, due_in=timedelta(0))
    login(client, brand.chen_jing)
    body = client.get(reverse("console:home")).content.decode()
    slot = body.split('id="slot-tasks"')[1].split("</section>")[0]
    assert "<strong>1</strong>" in slot
    assert '<strong class="bad">1</strong>' in slot
