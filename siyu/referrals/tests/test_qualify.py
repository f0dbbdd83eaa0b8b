"""Attribution, qualification exactly once, the hold, clawback on refund and milestones
(SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest

from siyu.customers.merge import merge_customers
from siyu.loyalty.ledger import balance
from siyu.referrals.codes import code_for, code_from_text, state_of
from siyu.referrals.feed import handle_changes
from siyu.referrals.models import Qualifier, Referral, ReferralStatus, Reward, RewardStatus, Via
from siyu.referrals.qualify import qualify_referral
from siyu.referrals.rewards import release_due
from siyu.referrals.tests.factories import (
    T0,
    add_with_state,
    buy,
    days,
    drain,
    event,
    make_person,
    make_programme,
    refund,
)  # fmt: skip

pytestmark = pytest.mark.django_db


def test_one_code_per_customer_and_programme_read_back_from_a_state() -> None:
    programme, lei = make_programme(), make_person("赵蕾")
    code = code_for(programme, customer_id=lei.pk)
    assert code_for(programme, customer_id=lei.pk) == code
    assert code_from_text(state_of(code)) == code
    assert code_from_text(code.code.lower()) == code
    assert code_from_text("channel-7") is None
    assert code_from_text("x" * 500) is None


def test_a_wecom_add_with_the_state_attributes_and_qualifies_once_with_both_rewards_held() -> None:
    programme, lei, friend = make_programme(), make_person(), make_person()
    add_with_state(friend, state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    referral = Referral.objects.get()
    assert (referral.inviter_id, referral.invitee_id) == (lei.pk, friend.pk)
    assert referral.via == Via.WECOM
    assert referral.status == ReferralStatus.QUALIFIED
    rewards = {r.role: r for r in Reward.objects.all()}
    assert {r: (x.customer_id, x.points, x.status) for r, x in rewards.items()} == {
        "inviter": (lei.pk, 100, RewardStatus.HELD),
        "invitee": (friend.pk, 50, RewardStatus.HELD),
    }
    # The feed delivers at least once: the same qualifying event again rewards nothing more.
    assert qualify_referral(referral.pk, by="event:again", at=T0) == []
    assert Reward.objects.count() == 2


def test_the_same_changes_handled_twice_reward_once() -> None:
    from siyu.customers.changes import read_visible_changes

    programme, lei, friend = make_programme(), make_person(), make_person()
    add_with_state(friend, state_of(code_for(programme, customer_id=lei.pk)))
    changes, _horizon = read_visible_changes((0, 0))
    handle_changes(changes)
    handle_changes(changes)
    assert Reward.objects.count() == 2


def test_rewards_are_paid_only_after_the_hold() -> None:
    programme, lei, friend = make_programme(hold_days=7), make_person(), make_person()
    add_with_state(friend, state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    assert release_due(T0 + days(6)) == 0
    assert balance(lei.pk, T0 + days(6)) == 0
    assert release_due(T0 + days(7)) == 2
    assert release_due(T0 + days(8)) == 0  # paid once
    assert balance(lei.pk, T0 + days(8)) == 100
    assert balance(friend.pk, T0 + days(8)) == 50


def test_a_configured_event_type_qualifies_a_group_join() -> None:
    programme = make_programme(event_type="group_joined", kind="task")
    lei, friend = make_person(), make_person()
    add_with_state(friend, state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    assert Referral.objects.get().status == ReferralStatus.ATTRIBUTED
    event(friend, "group_joined", at=T0 + days(1), chat_id="wr1")
    drain()
    assert Referral.objects.get().status == ReferralStatus.QUALIFIED


def test_first_order_over_the_threshold_qualifies_and_a_refund_in_the_hold_claws_back() -> None:
    programme = make_programme(qualifier=Qualifier.FIRST_ORDER, min_order_fen=5000)
    lei, friend = make_person(), make_person()
    event(friend, "miniprogram_open", scene=code_for(programme, customer_id=lei.pk).code)
    buy(friend, 3000, at=T0 + days(1))
    drain()
    referral = Referral.objects.get()
    assert referral.via == Via.SCENE
    assert referral.status == ReferralStatus.ATTRIBUTED
    order = buy(friend, 8000, at=T0 + days(2))
    drain()
    assert Referral.objects.get().status == ReferralStatus.QUALIFIED
    refund(friend, order, 4000, at=T0 + days(3))  # 40 元 kept: under the 50 元 threshold
    drain()
    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.CLAWED_BACK}
    assert release_due(T0 + days(30)) == 0
    assert balance(lei.pk, T0 + days(30)) == 0


def test_a_refund_after_payout_takes_the_points_back() -> None:
    programme = make_programme(qualifier=Qualifier.FIRST_ORDER, min_order_fen=5000)
    lei, friend = make_person(), make_person()
    event(friend, "link_open", ref=code_for(programme, customer_id=lei.pk).code)
    order = buy(friend, 8000, at=T0)
    drain()
    release_due(T0 + days(8))
    refund(friend, order, 8000, at=T0 + days(9))
    drain()
    assert balance(lei.pk, T0 + days(10)) == 0
    assert set(Reward.objects.values_list("clawed_points", flat=True)) == {50, 100}


def test_milestones_at_three_friends_once() -> None:
    programme = make_programme(milestones=[{"friends": 3, "points": 300}])
    lei = make_person()
    state = state_of(code_for(programme, customer_id=lei.pk))
    for _ in range(4):
        add_with_state(make_person(), state)
    drain()
    milestones = Reward.objects.filter(role="milestone")
    assert [(m.customer_id, m.points) for m in milestones] == [(lei.pk, 300)]


def test_the_first_touch_wins() -> None:
    programme, a, b, friend = make_programme(), make_person(), make_person(), make_person()
    add_with_state(friend, state_of(code_for(programme, customer_id=a.pk)))
    add_with_state(friend, state_of(code_for(programme, customer_id=b.pk)))
    drain()
    assert list(Referral.objects.values_list("inviter_id", flat=True)) == [a.pk]


def test_inviting_your_own_merged_profile_is_rejected_and_never_rewarded() -> None:
    programme, lei, other_phone = make_programme(), make_person(), make_person()
    merge_customers(lei, other_phone, reason="same unionid")
    add_with_state(other_phone, state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    assert Referral.objects.get().status == ReferralStatus.REJECTED
    assert not Reward.objects.exists()
