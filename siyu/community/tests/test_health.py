"""Group health: joins and quits per day, the quit rate after each post with a warning
when quits spike, and orders by members after they joined."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from siyu.community.health import group_health
from siyu.community.models import CommunitySettings, PostKind
from siyu.community.sop import schedule_post
from siyu.community.tests.factories import T0, make_group, make_person
from siyu.customers.models import Order
from siyu.demo.brand import Brand
from siyu.groups.members import record_member_change
from siyu.groups.models import ChangeKind

pytestmark = pytest.mark.django_db


def _quit(chat_id: str, n: int, at: datetime) -> None:
    record_member_change(
        chat_id,
        f"wm{n:06d}",
        kind=ChangeKind.QUIT,
        occurred_at=at,
        idempotency_key=f"q{n}",
    )


def test_quits_after_a_post_above_the_threshold_warn(brand: Brand) -> None:
    CommunitySettings.objects.create(quit_spike_permille=50)
    people = [make_person() for _ in range(20)]
    chat = make_group(brand.wang_qiang, people)
    calm = schedule_post([chat], PostKind.TOPIC, "今天聊聊手冲", T0 - timedelta(days=3))
    loud = schedule_post([chat], PostKind.DAILY_DEAL, "特价特价特价", T0 - timedelta(days=1))
    assert calm.planned
    assert loud.planned
    for person in people[:3]:  # 3 of 21 leave within hours of the loud post
        _quit(chat.chat_id, person.pk, T0 - timedelta(hours=20))
    chat.refresh_from_db()
    health = group_health(chat, days=7, now=T0)
    assert [p.quits for p in health.posts] == [0, 3]
    assert [p.text for p in health.spikes] == ["特价特价特价"]
    assert health.posts[1].quit_permille == 3 * 1000 // 21
    assert sum(health.quits) == 3
    assert health.members == 18


def test_orders_count_only_after_the_member_joined(brand: Brand) -> None:
    lei = make_person("赵蕾")
    chat = make_group(brand.wang_qiang, [lei])  # joined at T0
    for n, paid_at in enumerate([T0 - timedelta(days=2), T0 + timedelta(hours=2)]):
        Order.objects.create(
            customer=lei, platform="miniprogram", order_no=f"o{n}", total_fen=3800,
            paid_fen=3800, paid_at=paid_at,
        )  # fmt: skip
    health = group_health(chat, days=7, now=T0 + timedelta(days=1))
    assert (health.orders, health.order_fen) == (1, 3800)
