"""标签建群: everyone with a tag is invited by a mass send carrying the group code's QR
image, and a join through the code is credited to the invite that reached her."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siyu.community.codes import GroupCodeError
from siyu.community.invites import invite_to_group
from siyu.community.joins import INVITE_SOURCE, attribute_joins
from siyu.community.models import CodeChat, GroupCode, GroupJoin
from siyu.community.tests.factories import T0, make_group, make_person
from siyu.customers.consent import record_consent
from siyu.customers.follows import follow_customer
from siyu.customers.models import TagSource
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand
from siyu.groups.members import SeenMember, record_members
from siyu.messaging.models import Send

pytestmark = pytest.mark.django_db


def _code(chat_pk: int) -> GroupCode:
    # A code as WeCom made it (the WeCom tests drive the join-way calls themselves).
    code = GroupCode.objects.create(
        name="静安店福利群", state="gc-invite", config_id="cfg", created_at=timezone.now(),
        qr_code="https://wecom.test/join/cfg.png",
    )  # fmt: skip
    CodeChat.objects.create(code=code, chat_id=chat_pk)
    return code


def test_a_tag_is_invited_and_the_join_is_credited_to_the_invite(brand: Brand) -> None:
    tag = ensure_tag("兴趣", "手冲爱好者")
    lei, min_, other = make_person("赵蕾"), make_person("张敏"), make_person("路人")
    for person in (lei, min_):
        add_tag(person, tag, source=TagSource.MANUAL)
        follow_customer(person, brand.chen_jing, at=T0)
        record_consent(
            person, purpose="marketing", granted=True, policy_version="v1", source="t", at=T0
        )
    chat = make_group(brand.wang_qiang)
    code = _code(chat.pk)
    invite, outcome = invite_to_group(code, "加入手冲交流群，每周分享会", tag=tag)
    sends = Send.objects.filter(source=INVITE_SOURCE, source_id=invite.source_id)
    assert sorted(sends.values_list("customer_id", flat=True)) == sorted([lei.pk, min_.pk])
    assert invite.invited == outcome.reached == 2
    plan_image = sends.first().plan.content["attachments"][0]  # type: ignore[union-attr]
    assert plan_image["image"]["pic_url"] == code.qr_code

    record_members(
        chat.chat_id,
        [
            SeenMember("WangQiang", 1, 1),
            SeenMember("wmLei", 2, 3, T0, code.state, lei.pk),
            SeenMember("wmOther", 2, 3, T0, code.state, other.pk),
        ],
    )
    assert len(attribute_joins(chat.chat_id)) == 2
    credited = dict(GroupJoin.objects.values_list("customer_id", "invite_id"))
    assert credited == {lei.pk: invite.pk, other.pk: None}


def test_an_invite_names_a_tag_or_a_segment_not_both(brand: Brand) -> None:
    chat = make_group(brand.wang_qiang)
    with pytest.raises(GroupCodeError):
        invite_to_group(_code(chat.pk), "来群里")
