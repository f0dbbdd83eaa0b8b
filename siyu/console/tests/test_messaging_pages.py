"""The mass-send pages: preview (reached, and why others are not), plan, tasks, log."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from siyu.console.tests.factories import login
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand
from siyu.messaging.models import Send, SendPlan, StaffTask
from siyu.messaging.tests.factories import make_customer

pytestmark = pytest.mark.django_db


def test_a_mass_send_to_a_tag_is_previewed_then_planned(client: Client, brand: Brand) -> None:
    vip = ensure_tag("价值", "高价值")
    at = timezone.now()
    for person in (
        make_customer("甲", owner=brand.chen_jing, at=at),
        make_customer("乙", owner=brand.lin_yue, at=at),
        make_customer("丙", owner=brand.lin_yue, consent=False, at=at),
    ):
        add_tag(person, vip)
    form = {
        "audience": "tag",
        "tag": vip.pk,
        "text": "会员日",
        "key": "t1",
        "day": "2030-01-08",
        "hour": "10",
    }
    page = login(client, brand.lin_yue).post("/messaging/", {**form, "action": "preview"})
    assert page.status_code == 200
    seen = page.context["preview"]
    assert (seen.reached, seen.tasks) == (2, 2)
    assert page.context["reasons"] == [("未获得该用途的授权", 1)]
    assert not Send.objects.exists()
    done = client.post("/messaging/", {**form, "action": "send"})
    plan = SendPlan.objects.get()
    assert done["Location"] == f"/messaging/{plan.pk}/"
    assert StaffTask.objects.count() == 2
    detail = client.get(done["Location"]).content.decode()
    assert "员工任务" in detail
    assert "等待创建" in detail
    log = client.get("/messaging/log/?status=blocked").content.decode()
    assert "未获得该用途的授权" in log


def test_bad_parameters_are_a_400_with_a_message(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert client.get("/messaging/log/?status=nope").status_code == 400
    assert client.get("/messaging/log/?after=x").status_code == 400
    answer = client.post(
        "/messaging/", {"audience": "segment", "segment": "", "text": "x", "action": "preview"}
    )
    assert (answer.status_code, answer.content.decode()) == (400, "请选择分群")


def test_sales_staff_may_look_but_not_send(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    assert client.get("/messaging/").status_code == 200
    assert client.post("/messaging/", {"text": "x"}).status_code == 403


def test_the_360_shows_what_is_left_and_the_first_screen_what_awaits(
    client: Client, brand: Brand
) -> None:
    from siyu.messaging.models import Channel, TaskStatus
    from siyu.messaging.send import Message, SendRequest, send

    person = make_customer("张敏", owner=brand.chen_jing, at=timezone.now())
    send(
        SendRequest(
            source="t",
            source_id="1",
            channel=Channel.WECOM_CUSTOMER,
            message=Message(text="x"),
            customers=[person.pk],
        )
    )
    StaffTask.objects.update(status=TaskStatus.AWAITING)
    login(client, brand.lin_yue)
    page = client.get(f"/customers/{person.pk}/")
    budget = page.context["budget"]
    assert budget.wecom == budget.wecom_limit - 1
    assert "本月还可触达" in page.content.decode()
    assert "1 个群发任务等待员工确认" in client.get("/").content.decode()
    login(client, brand.chen_jing)
    assert "1 个群发任务等待员工确认" in client.get("/").content.decode()
