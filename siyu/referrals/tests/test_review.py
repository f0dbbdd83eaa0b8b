"""Deciding the review queue: an approved referral counts towards the inviter's milestones
and 任务宝 gift as if it had qualified at once; a rejected one counts for nothing."""

from __future__ import annotations

import pytest

from siyu.referrals.codes import code_for, state_of
from siyu.referrals.models import ProgrammeKind, ReviewCase, RewardRole, TaskGift
from siyu.referrals.review import decide_case
from siyu.referrals.tests.factories import add_with_state, drain, make_person, make_programme

pytestmark = pytest.mark.django_db


def _three_friends(**fields: object) -> int:
    """赵蕾's three friends, the third over the velocity limit of two a day: held."""
    programme = make_programme(velocity_per_day=2, **fields)
    lei = make_person("赵蕾")
    for _ in range(3):
        add_with_state(make_person(), state_of(code_for(programme, customer_id=lei.pk)))
    drain()
    return ReviewCase.objects.get(referral__programme=programme).pk


def test_approving_the_third_friend_reaches_the_three_friend_milestone() -> None:
    case = _three_friends(milestones=[{"friends": 3, "points": 300}])
    milestones = ReviewCase.objects.get(pk=case).referral.programme.rewards.filter(
        role=RewardRole.MILESTONE
    )
    assert not milestones.exists()  # two qualified, one held
    decide_case(case, approve=True, staff_id=None)
    assert [(m.points, m.status) for m in milestones] == [(300, "held")]


def test_approving_unlocks_the_task_gift_and_rejecting_does_not() -> None:
    case = _three_friends(kind=ProgrammeKind.TASK, task_target=3, gift_name="礼盒", gift_stock=5)
    decide_case(case, approve=True, staff_id=None)
    assert TaskGift.objects.count() == 1
    TaskGift.objects.all().delete()
    other = _three_friends(milestones=[{"friends": 3, "points": 300}])
    decide_case(other, approve=False, staff_id=None)
    assert (
        not ReviewCase.objects.get(pk=other)
        .referral.programme.rewards.filter(role=RewardRole.MILESTONE)
        .exists()
    )
