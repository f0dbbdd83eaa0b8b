"""The group SOP calendar: posts are scheduled sends through messaging, a group takes at
most the ceiling of posts a day, WeCom's group budget applies and shows what is left."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import connection

from siyu.community.models import CommunitySettings, GroupPost, PostKind, PostStatus, SopSlot
from siyu.community.sop import SOURCE, budget_left, plan_slots, posts_left_today, schedule_post
from siyu.community.tests.factories import T0, make_group
from siyu.demo.brand import Brand
from siyu.messaging.models import BudgetRule, MessagingSettings, Send, SendStatus

pytestmark = pytest.mark.django_db


def test_posts_over_the_daily_ceiling_stay_out_of_the_send(brand: Brand) -> None:
    CommunitySettings.objects.create(posts_per_day=2)
    chat = make_group(brand.wang_qiang)
    for hour in (0, 4, 8):
        plan = schedule_post(
            [chat], PostKind.DAILY_DEAL, "今日特价：拿铁 9.9 元", T0 + timedelta(hours=hour)
        )
    assert plan.over_ceiling == [chat.chat_id]
    assert plan.outcome is None
    assert GroupPost.objects.filter(status=PostStatus.PLANNED).count() == 2
    assert Send.objects.filter(source=SOURCE, chat_id=chat.chat_id).count() == 2
    assert posts_left_today(chat, T0) == 0


def test_a_repeated_batch_plans_nothing_twice(brand: Brand) -> None:
    chat = make_group(brand.wang_qiang)
    for _ in range(2):
        schedule_post([chat], PostKind.TOPIC, "今天聊聊手冲", T0, batch="topic:1")
    assert GroupPost.objects.count() == 1
    assert Send.objects.filter(source=SOURCE).count() == 1


def test_the_group_budget_blocks_and_shows_what_is_left(brand: Brand) -> None:
    MessagingSettings.objects.create(budget_rule=BudgetRule.DAY_1)
    chat = make_group(brand.wang_qiang)
    assert budget_left([chat.chat_id], T0) == {chat.chat_id: 1}
    schedule_post([chat], PostKind.DAILY_DEAL, "早市特价", T0)
    second = schedule_post([chat], PostKind.LUCKY_DRAW, "20 点整点抽奖", T0 + timedelta(hours=1))
    assert second.outcome is not None
    assert second.outcome.counts["blocked:wecom_budget"] == 1
    assert budget_left([chat.chat_id], T0) == {chat.chat_id: 0}
    statuses = list(
        Send.objects.filter(source=SOURCE).order_by("pk").values_list("status", flat=True)
    )
    assert statuses[1] == SendStatus.BLOCKED


def test_a_slot_plans_each_coming_day_once(brand: Brand) -> None:
    chat = make_group(brand.wang_qiang)
    slot = SopSlot.objects.create(
        name="每日特价", kind=PostKind.DAILY_DEAL, text="今日特价", at_time=time(10, 30),
        created_at=T0,
    )  # fmt: skip
    slot.chats.set([chat])
    assert plan_slots(T0, days=3) == 3  # 10:30 today is still ahead at 10:00
    assert plan_slots(T0, days=3) == 0
    weekly = SopSlot.objects.create(
        name="周五抽奖", kind=PostKind.LUCKY_DRAW, text="整点抽奖", at_time=time(20, 0),
        weekdays=[5], created_at=T0,
    )  # fmt: skip
    weekly.chats.set([chat])
    assert plan_slots(T0, days=7) == 4 + 1  # the daily slot's days 4-7, one Friday draw


@pytest.mark.django_db(transaction=True)
def test_two_planners_at_once_never_pass_the_ceiling(brand: Brand) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row locks are exercised on PostgreSQL; SQLite serialises writers")
    import threading

    CommunitySettings.objects.create(posts_per_day=1)
    chat = make_group(brand.wang_qiang)
    barrier = threading.Barrier(4)

    def plan(n: int) -> None:
        try:
            barrier.wait()
            schedule_post([chat], PostKind.OFFER, f"群专享 {n}", T0 + timedelta(minutes=n))
        finally:
            connection.close()

    threads = [threading.Thread(target=plan, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert GroupPost.objects.filter(status=PostStatus.PLANNED).count() == 1
    assert GroupPost.objects.filter(status=PostStatus.OVER_CEILING).count() == 3
