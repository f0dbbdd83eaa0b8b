"""签到: once per brand day, streaks of consecutive days, a streak reward at its length."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.loyalty.checkin import check_in
from siyu.loyalty.ledger import balance
from siyu.loyalty.models import RuleKind
from siyu.loyalty.tests.factories import T0, make_person, make_rule

pytestmark = pytest.mark.django_db


def test_a_streak_counts_days_and_pays_its_reward_on_the_day_it_is_reached() -> None:
    lei = make_person()
    make_rule(RuleKind.CHECKIN, points=5, streak_rewards={"3": 20})
    results = [check_in(lei.pk, at=T0 + timedelta(days=d)) for d in range(4)]
    assert [r.streak for r in results] == [1, 2, 3, 4]
    assert [r.points for r in results] == [5, 5, 25, 5]
    assert balance(lei.pk, T0 + timedelta(days=4)) == 40


def test_a_second_check_in_the_same_brand_day_changes_nothing() -> None:
    lei = make_person()
    make_rule(RuleKind.CHECKIN, points=5)
    first = check_in(lei.pk, at=T0)
    # 23:30 in Shanghai is still the same brand day; 00:30 is the next.
    again = check_in(lei.pk, at=T0 + timedelta(hours=11, minutes=30))
    assert (first.already, again.already, again.points) == (False, True, 0)
    assert not check_in(lei.pk, at=T0 + timedelta(hours=12, minutes=30)).already


def test_a_missed_day_starts_the_streak_again() -> None:
    lei = make_person()
    make_rule(RuleKind.CHECKIN, points=1)
    check_in(lei.pk, at=T0)
    check_in(lei.pk, at=T0 + timedelta(days=1))
    assert check_in(lei.pk, at=T0 + timedelta(days=3)).streak == 1
