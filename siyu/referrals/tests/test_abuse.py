"""Abuse defences at qualification and in the sweep: the review queue holds the rewards
with reasons; approving puts them back in the hold, rejecting refuses them."""

from __future__ import annotations

import pytest
from django.utils import timezone

from siyu.customers.merge import merge_customers
from siyu.customers.models import Customer, Identity, IdentityLink, IdentityStatus
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.models import (
    Programme,
    Referral,
    ReferralStatus,
    ReviewCase,
    Reward,
    RewardStatus,
)  # fmt: skip
from siyu.referrals.review import CaseClosed, decide_case, open_cases
from siyu.referrals.rewards import release_due
from siyu.referrals.sweep import sweep_referrals
from siyu.referrals.tests.factories import (
    T0,
    add_with_state,
    days,
    drain,
    event,
    make_person,
    make_programme,
)  # fmt: skip

pytestmark = pytest.mark.django_db


def invite(programme: Programme, inviter: Customer, invitee: Customer, at=T0) -> Referral:  # type: ignore[no-untyped-def]
    add_with_state(invitee, state_of(code_for(programme, customer_id=inviter.pk)), at=at)
    drain()
    return Referral.objects.get(programme=programme, invitee_id=invitee.pk)


def test_too_many_friends_in_a_day_goes_to_review_and_is_not_paid() -> None:
    programme, lei = make_programme(velocity_per_day=2), make_person()
    referrals = [invite(programme, lei, make_person(), T0 + days(0) * i) for i in range(3)]
    assert [r.status for r in referrals] == ["qualified", "qualified", "review"]
    case = ReviewCase.objects.get()
    assert case.reasons == ["velocity"]
    assert set(Reward.objects.filter(referral=referrals[2]).values_list("status", flat=True)) == {
        RewardStatus.REVIEW
    }
    release_due(T0 + days(30))
    assert set(Reward.objects.filter(referral=referrals[2]).values_list("status", flat=True)) == {
        RewardStatus.REVIEW
    }
    decide_case(case.pk, approve=True, staff_id=None, at=T0 + days(30))
    assert release_due(T0 + days(30)) == 2
    with pytest.raises(CaseClosed):
        decide_case(case.pk, approve=False, staff_id=None)


def test_a_shared_phone_between_inviter_and_friend_is_held_and_rejecting_refuses() -> None:
    programme, lei, friend = make_programme(), make_person(), make_person()
    now = timezone.now()
    phone = Identity.objects.create(
        customer=lei, type="phone", value="bi:1", status=IdentityStatus.SHARED, created_at=now
    )
    unionid = Identity.objects.create(
        customer=friend, type="wechat_unionid", value="oF", created_at=now
    )
    IdentityLink.objects.create(a=phone, b=unionid, created_at=now)
    referral = invite(programme, lei, friend)
    assert referral.status == ReferralStatus.REVIEW
    (case,) = open_cases()
    assert case.reasons == ["shared_identifier"]
    decide_case(case.pk, approve=False, staff_id=None)
    assert set(Reward.objects.values_list("status", flat=True)) == {RewardStatus.REFUSED}
    assert Referral.objects.get().status == ReferralStatus.REJECTED


def test_profiles_merged_after_the_invite_are_a_self_referral() -> None:
    programme = make_programme(event_type="group_joined")
    lei, second = make_person(), make_person()
    add_with_state(second, state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    merge_customers(lei, second, reason="same phone")
    event(lei, "group_joined", at=T0 + days(1))
    drain()
    assert ReviewCase.objects.get().reasons == ["self_referral"]


def test_an_invite_that_closes_a_ring_is_held_and_the_sweep_holds_the_rest() -> None:
    p1, p2 = make_programme(), make_programme(name="老带新")
    a, b, c = make_person(), make_person(), make_person()
    invite(p1, c, a)
    invite(p1, a, b)
    assert invite(p2, b, c).status == ReferralStatus.REVIEW
    assert ReviewCase.objects.get().reasons == ["ring"]
    sweep_referrals(at=T0 + days(1))
    assert set(Referral.objects.values_list("status", flat=True)) == {ReferralStatus.REVIEW}
    assert not Reward.objects.filter(status=RewardStatus.HELD).exists()


def test_inviters_whose_friends_never_buy_are_held() -> None:
    programme, lei = make_programme(velocity_per_day=50), make_person()
    for _ in range(5):
        invite(programme, lei, make_person())
    assert invite(programme, lei, make_person(), T0 + days(40)).status == ReferralStatus.REVIEW
    assert ReviewCase.objects.get().reasons == ["never_buy"]


def test_an_honest_tree_is_not_held() -> None:
    programme, root = make_programme(), make_person()
    kids = [make_person() for _ in range(3)]
    for kid in kids:
        invite(programme, root, kid)
        invite(programme, kid, make_person())
    sweep_referrals(at=T0 + days(1))
    assert not ReviewCase.objects.exists()
