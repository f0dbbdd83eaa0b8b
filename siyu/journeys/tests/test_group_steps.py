"""The group-post step: a journey posts into the customer's groups through the group SOP —
one post per group, step and day however many members reach it, the posts-per-day
ceiling respected, a member of no group skipped, and a material's readers carrying the
group on their ``material_open``."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.community.health import group_health
from siyu.community.models import CommunitySettings, GroupPost, PostKind
from siyu.community.sop import schedule_post
from siyu.community.tests.factories import make_group
from siyu.content.library import MaterialInput, save_material
from siyu.content.models import TrackedLink
from siyu.content.radar import Reader, record_open
from siyu.customers.models import Event
from siyu.demo.brand import Brand
from siyu.groups.models import GroupChat, GroupType
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import StepEffect
from siyu.journeys.tests.factories import chain, make_journey
from siyu.messaging.models import Channel, Send
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db
TOPIC = "今日话题：你最爱的咖啡豆是哪一款？"


def _outcomes(step: str = "s0") -> dict[str, tuple[str, str]]:
    rows = StepEffect.objects.filter(step=step).select_related("enrollment__customer")
    return {e.enrollment.customer.display_name: (e.outcome, e.reason) for e in rows}


def test_members_reaching_the_step_post_once_into_their_group(brand: Brand) -> None:
    a, b, c = (make_customer(n, owner=brand.wang_qiang) for n in ("甲", "乙", "丙"))
    store = make_group(brand.wang_qiang, [a, b])
    interest = make_group(brand.wang_qiang, [b])
    GroupChat.objects.filter(pk=store.pk).update(group_type=GroupType.STORE)
    journey = make_journey(
        chain({"type": "group_post", "text": TOPIC, "post_kind": "topic", "group_type": "store"})
    )
    enroll(journey, [Entrant(a.pk), Entrant(b.pk), Entrant(c.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    enroll(journey, [Entrant(make_customer("丁").pk)], source="api", at=NOW)
    advance_due(now=NOW + timedelta(seconds=1))

    posts = GroupPost.objects.filter(text=TOPIC)
    assert list(posts.values_list("chat_id", "kind")) == [(store.pk, PostKind.TOPIC)]
    sends = Send.objects.filter(channel=Channel.WECOM_GROUP, source="community-sop")
    assert list(sends.values_list("chat_id", flat=True)) == [store.chat_id]
    assert not GroupPost.objects.filter(chat=interest).exists()  # not a store group
    outcomes = _outcomes()
    assert outcomes["甲"] == outcomes["乙"] == ("done", "")
    assert outcomes["丙"] == outcomes["丁"] == ("skipped", "no_group")


def test_a_group_at_its_ceiling_gets_no_post_and_the_step_says_so(brand: Brand) -> None:
    CommunitySettings.objects.create(posts_per_day=1)
    a = make_customer("甲", owner=brand.wang_qiang)
    chat = make_group(brand.wang_qiang, [a])
    schedule_post([chat], PostKind.DAILY_DEAL, "今日特价", NOW - timedelta(hours=1))
    journey = make_journey(chain({"type": "group_post", "text": TOPIC}))
    enroll(journey, [Entrant(a.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    assert _outcomes()["甲"] == ("blocked", "over_ceiling")
    assert not Send.objects.filter(chat_id=chat.chat_id, plan__content__text=TOPIC).exists()


def test_a_material_posted_into_a_group_is_read_with_the_group_on_the_event(
    brand: Brand,
) -> None:
    article = save_material(
        MaterialInput(title="手冲入门", kind="article", text="周末一起手冲",
                      url="https://brand.example.com/a")
    )  # fmt: skip
    a = make_customer("甲", owner=brand.wang_qiang, openid=True)
    chat = make_group(brand.wang_qiang, [a])
    journey = make_journey(chain({"type": "group_post", "material_id": article.pk}))
    enroll(journey, [Entrant(a.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    assert _outcomes()["甲"] == ("done", "")
    link = TrackedLink.objects.get(material=article)
    post = Send.objects.get(chat_id=chat.chat_id)
    assert post.plan is not None
    assert post.plan.content["attachments"][0]["link"]["url"].endswith(f"/r/{link.code}")
    openid = a.identities.get(type="wechat_openid").value
    record_open(link.code, Reader(f"o:{openid}", openid), NOW, notify=False)
    opened = Event.objects.get(customer=a, type="material_open")
    assert opened.properties["chat_id"] == chat.chat_id
    assert group_health(chat, now=NOW + timedelta(hours=1)).clicks == 1
