"""Group chats as a sync sees them: created once, refreshed only when something changed."""

from __future__ import annotations

import pytest

from siyu.groups.chats import SeenChat, hand_over_group_chats, record_group_chat
from siyu.groups.models import GroupChat

pytestmark = pytest.mark.django_db


def test_a_replayed_sync_page_writes_nothing_the_second_time() -> None:
    seen = SeenChat("wrA", "静安店会员群", "ChenJing", 3, 0)
    assert record_group_chat(seen) == "created"
    first = GroupChat.objects.get().synced_at
    assert record_group_chat(seen) == "unchanged"
    assert GroupChat.objects.get().synced_at == first
    grown = SeenChat("wrA", "静安店会员群", "ChenJing", 4, 0)
    assert record_group_chat(grown) == "updated"
    assert GroupChat.objects.get().member_count == 4


def test_handing_over_changes_only_the_named_chats() -> None:
    record_group_chat(SeenChat("wrA", "A", "ChenJing", 1, 0))
    record_group_chat(SeenChat("wrB", "B", "ChenJing", 1, 0))
    assert hand_over_group_chats(["wrA"], "WangQiang") == 1
    owners = dict(GroupChat.objects.values_list("chat_id", "owner_userid"))
    assert owners == {"wrA": "WangQiang", "wrB": "ChenJing"}
