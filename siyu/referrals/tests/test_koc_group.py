"""The KOC programme end to end: the top KOCs are invited into a KOC group by a mass send
carrying its group code, their joins are credited to that invite, and the KOC group gets
its own SOP calendar (trial, content brief, sharing session) planned through messaging."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from siyu.community.codes import GroupCodeError
from siyu.community.joins import INVITE_SOURCE, attribute_joins
from siyu.community.koc_sop import schedule_koc_sop
from siyu.community.models import CodeChat, GroupCode, GroupJoin, GroupPost, PostKind
from siyu.community.tests.factories import T0, make_group
from siyu.customers.consent import record_consent
from siyu.customers.follows import follow_customer
from siyu.customers.models import Customer
from siyu.demo.brand import Brand
from siyu.groups.members import SeenMember, record_members
from siyu.groups.models import GroupChat, GroupType
from siyu.messaging.models import Send
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.koc_group import invite_kocs, pick_kocs
from siyu.referrals.tests.factories import add_with_state, drain, make_person, make_programme

pytestmark = pytest.mark.django_db


def _kocs(brand: Brand) -> list[Customer]:
    """赵蕾 brings three friends, 张敏 two, 李娜 one: the KOC list in that order."""
    programme = make_programme()
    kocs = [make_person("赵蕾"), make_person("张敏"), make_person("李娜")]
    for koc, friends in zip(kocs, (3, 2, 1), strict=True):
        state = state_of(code_for(programme, customer_id=koc.pk))
        for _ in range(friends):
            add_with_state(make_person(), state)
        follow_customer(koc, brand.chen_jing, at=T0)
        record_consent(
            koc, purpose="marketing", granted=True, policy_version="v1", source="t", at=T0
        )
    drain()
    return kocs


def _koc_code(brand: Brand, group_type: str = GroupType.KOC) -> tuple[GroupChat, GroupCode]:
    chat = make_group(brand.wang_qiang, name="山茶咖啡·KOC 体验官群")
    GroupChat.objects.filter(pk=chat.pk).update(group_type=group_type)
    chat.refresh_from_db()
    code = GroupCode.objects.create(
        name="KOC 体验官群活码", state=f"gc-{chat.chat_id}", config_id="cfg", created_at=timezone.now(),
        qr_code="https://wecom.test/join/cfg-koc.png",
    )  # fmt: skip
    CodeChat.objects.create(code=code, chat=chat)
    return chat, code


def test_the_top_kocs_are_invited_their_joins_credited_and_the_sop_planned(brand: Brand) -> None:
    lei, min_, na = _kocs(brand)
    chat, code = _koc_code(brand)
    assert [k.customer_id for k in pick_kocs(top=2)] == [lei.pk, min_.pk]

    # Next Monday noon in Shanghai: the weekly trial (Wednesdays 20:00) then falls inside
    # the planned week whatever day and hour the suite runs (late on a Wednesday it did not).
    today = timezone.localdate()
    monday = today + timedelta(days=7 - today.weekday())
    at = datetime.combine(monday, time(12, 0), tzinfo=ZoneInfo("Asia/Shanghai"))
    done = invite_kocs(code, "邀请你加入山茶咖啡 KOC 体验官群", top=2, now=at)

    sends = Send.objects.filter(source=INVITE_SOURCE, source_id=done.invite.source_id)
    assert sorted(sends.values_list("customer_id", flat=True)) == sorted([lei.pk, min_.pk])
    assert done.invite.invited == 2
    assert done.invite.audience
    assert {s.kind for s in done.slots} == {PostKind.TRIAL, PostKind.BRIEF, PostKind.SESSION}
    assert GroupPost.objects.filter(chat=chat, kind=PostKind.TRIAL).exists()
    assert Send.objects.filter(source="community-sop", chat_id=chat.chat_id).exists()

    record_members(
        chat.chat_id,
        [
            SeenMember("WangQiang", 1, 1),
            SeenMember("wmLei", 2, 3, T0, code.state, lei.pk),
            SeenMember("wmNa", 2, 3, T0, code.state, na.pk),
        ],
    )
    attribute_joins(chat.chat_id)
    credited = dict(GroupJoin.objects.values_list("customer_id", "invite_id"))
    assert credited == {lei.pk: done.invite.pk, na.pk: None}  # 李娜 was not invited


def test_a_second_invitation_keeps_the_kocs_group_sop_as_it_is(brand: Brand) -> None:
    _kocs(brand)
    chat, code = _koc_code(brand)
    invite_kocs(code, "第一次邀请", min_score=20)
    slots = set(chat.sop_slots.values_list("pk", flat=True))
    again = invite_kocs(code, "第二次邀请", top=3)
    assert {s.pk for s in again.slots} == slots
    assert len(schedule_koc_sop([chat])) == 3


def test_scores_over_a_threshold_pick_only_those(brand: Brand) -> None:
    lei, *_rest = _kocs(brand)
    assert [k.customer_id for k in pick_kocs(min_score=25)] == [lei.pk]
    assert len(pick_kocs(min_score=0)) == 3


def test_a_code_without_a_koc_group_or_a_choice_is_refused(brand: Brand) -> None:
    _kocs(brand)
    _chat, store_code = _koc_code(brand, group_type=GroupType.STORE)
    with pytest.raises(GroupCodeError):
        invite_kocs(store_code, "来群里", top=3)
    _chat, code = _koc_code(brand)
    with pytest.raises(GroupCodeError):
        invite_kocs(code, "来群里")
    assert not Send.objects.filter(source=INVITE_SOURCE).exists()
