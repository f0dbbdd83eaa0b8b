"""Group members: a refresh writes the whole list (absent members leave), a callback's
join or quit is recorded once, and a customer's groups are the ones she is in now."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from siyu.customers.models import Customer
from siyu.groups.members import SeenMember, groups_of, record_member_change, record_members
from siyu.groups.models import ChangeKind, GroupChat, GroupMember, MemberChange

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def _customer(name: str) -> Customer:
    return Customer.objects.create(display_name=name, created_at=AT, updated_at=AT)


def test_a_refresh_records_scene_and_state_and_marks_absent_members_left() -> None:
    zhao = _customer("赵蕾")
    record_members(
        "wrA",
        [
            SeenMember("ChenJing", 1, 1),
            SeenMember("wmZhao", 2, 3, AT, "gc-1", zhao.pk),
            SeenMember("wmQian", 2, 1, AT),
        ],
    )
    member = GroupMember.objects.get(userid="wmZhao")
    assert (member.join_scene, member.state, member.customer_id) == (3, "gc-1", zhao.pk)
    assert GroupChat.objects.get(chat_id="wrA").member_count == 3

    record_members("wrA", [SeenMember("ChenJing", 1, 1), SeenMember("wmZhao", 2, 3, AT, "gc-1")])
    assert GroupMember.objects.get(userid="wmQian").left_at is not None
    assert GroupMember.objects.get(userid="wmZhao").customer_id == zhao.pk  # kept
    assert GroupChat.objects.get(chat_id="wrA").member_count == 2


def test_a_replayed_join_or_quit_changes_nothing_the_second_time() -> None:
    zhao = _customer("赵蕾")
    record_members("wrA", [SeenMember("ChenJing", 1, 1)])

    def change(kind: str, key: str) -> bool:
        return record_member_change(
            "wrA", "wmZhao", kind=kind, idempotency_key=key, occurred_at=AT, customer_id=zhao.pk
        )

    assert change(ChangeKind.JOIN, "k1")
    assert not change(ChangeKind.JOIN, "k1")
    assert GroupChat.objects.get(chat_id="wrA").member_count == 2
    assert [g.chat.chat_id for g in groups_of(zhao.pk)] == ["wrA"]

    assert change(ChangeKind.QUIT, "k2")
    assert GroupChat.objects.get(chat_id="wrA").member_count == 1
    assert list(groups_of(zhao.pk)) == []
    assert MemberChange.objects.count() == 2


def test_a_callback_for_an_unknown_chat_creates_its_row() -> None:
    assert record_member_change(
        "wrNew", "wmZhao", kind=ChangeKind.JOIN, occurred_at=AT, idempotency_key="k"
    )
    assert GroupChat.objects.get(chat_id="wrNew").member_count == 1


def test_refreshing_a_full_group_takes_a_few_queries(django_assert_max_num_queries: Any) -> None:
    seen = [SeenMember(f"wm{n:04d}", 2, 3, AT, "gc-1") for n in range(500)]
    with django_assert_max_num_queries(16):
        assert record_members("wrBig", seen) == 500
    moved = [*seen[:499], SeenMember("wm0000", 2, 3, AT, "gc-2")]
    with django_assert_max_num_queries(16):
        assert record_members("wrBig", moved) == 499
    assert GroupMember.objects.get(userid="wm0000").state == "gc-2"
    assert GroupMember.objects.filter(left_at__isnull=False).count() == 1
