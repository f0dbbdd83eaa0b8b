"""The demo's fission in 山茶咖啡: 赵蕾 completed the 任务宝 (three friends into the store
group, a gift box from the stock), mentors a two-level ambassador tree whose friends'
orders earned settled commission, and tops the KOC list."""

from __future__ import annotations

import pytest

from siyu.customers.models import Customer, CustomerStatus
from siyu.demo.simulate import simulate
from siyu.referrals.koc import score_kocs
from siyu.referrals.models import Commission, Programme, ProgrammeKind, TaskGift

pytestmark = pytest.mark.django_db


def test_zhao_lei_completes_the_task_mentors_ambassadors_and_is_the_top_koc() -> None:
    simulate(40, seed=7, verb_people=40)
    zhao = Customer.objects.get(display_name="赵蕾", status=CustomerStatus.ACTIVE)
    task = Programme.objects.get(kind=ProgrammeKind.TASK)
    assert TaskGift.objects.get(programme=task).customer_id == zhao.pk
    assert task.referrals.filter(status="qualified").count() == 4
    levels = set(Commission.objects.values_list("level", "status"))
    assert levels == {(1, "settled"), (2, "settled")}
    assert set(Commission.objects.filter(level=2).values_list("ambassador_id", flat=True)) == {
        zhao.pk
    }
    assert score_kocs(1)[0].customer_id == zhao.pk


def test_zhao_lei_and_the_next_top_kocs_are_invited_into_the_koc_group_with_its_sop() -> None:
    from siyu.community.joins import INVITE_SOURCE
    from siyu.community.models import GroupInvite
    from siyu.demo.catalog import DEFAULT_NOW
    from siyu.demo.koc import KOC_GROUP, TOP, build_koc_group
    from siyu.groups.models import GroupChat, GroupType
    from siyu.messaging.models import Send

    simulate(40, seed=7, verb_people=40)
    zhao = Customer.objects.get(display_name="赵蕾", status=CustomerStatus.ACTIVE)
    chat = GroupChat.objects.get(chat_id=KOC_GROUP)
    assert chat.group_type == GroupType.KOC
    invite = GroupInvite.objects.get(code__chats__chat=chat)
    invited = Send.objects.filter(source=INVITE_SOURCE, source_id=invite.source_id)
    assert zhao.pk in set(invited.values_list("customer_id", flat=True))
    assert 1 < invited.count() <= TOP
    assert {s.kind for s in chat.sop_slots.all()} == {"trial", "brief", "session"}
    assert chat.posts.filter(scheduled_at__gt=DEFAULT_NOW).exists()
    assert build_koc_group(DEFAULT_NOW) == invite  # a second build changes nothing
