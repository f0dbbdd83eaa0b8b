"""The demo's store group (钱大妈-style): members who came by the store's group code,
daily deals planned at fixed times through messaging, a quit spike after the day three
posts went out, a persona with a moment planned, 赵蕾's group check-in."""

from __future__ import annotations

import pytest

from siyu.community.health import group_health
from siyu.community.models import GroupCheckIn, GroupJoin, PersonaMoment, PostStatus
from siyu.demo.catalog import DEFAULT_NOW
from siyu.demo.community import STORE_GROUP, build_community
from siyu.demo.simulate import simulate
from siyu.groups.models import GroupChat
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def test_the_store_group_tells_its_story() -> None:
    simulate(40, seed=7, verb_people=40)
    chat = GroupChat.objects.get(chat_id=STORE_GROUP)
    assert chat.member_count > 20
    assert GroupJoin.objects.filter(chat=chat).count() == chat.member_count - 1  # not the owner
    future = chat.posts.filter(status=PostStatus.PLANNED, scheduled_at__gt=DEFAULT_NOW)
    assert future.filter(text__contains="满 38 元免配送").exists()
    assert Send.objects.filter(source="community-sop", chat_id=STORE_GROUP).exists()
    health = group_health(chat, now=DEFAULT_NOW)
    assert [p.kind for p in health.spikes]
    assert sum(health.joins) > 0
    assert PersonaMoment.objects.count() == 1
    assert GroupCheckIn.objects.filter(customer__display_name="赵蕾").exists()
    assert build_community(DEFAULT_NOW) == chat  # a second build changes nothing


def test_the_demo_is_written_in_the_brands_language_whatever_the_thread_last_served() -> None:
    # A test client's English request leaves English active in the thread; the demo's
    # stored SOP texts (the KOC template's) must still be the brand's Chinese.
    from django.utils import translation

    from siyu.community.models import SopSlot
    from siyu.demo.koc import KOC_GROUP

    with translation.override("en"):
        simulate(40, seed=7, verb_people=40)
    texts = list(SopSlot.objects.filter(chats__chat_id=KOC_GROUP).values_list("text", flat=True))
    assert texts
    assert all("本周" in t or "分享会" in t for t in texts), texts
