"""The verbs journeys call: an award per occasion key, balance and tier for branches."""

from __future__ import annotations

import pytest

from siyu.loyalty.models import Status, Tier, TierStatus
from siyu.loyalty.tests.factories import T0, make_person
from siyu.loyalty.verbs import award_points, points_balance, tier_rank

pytestmark = pytest.mark.django_db


def test_a_journey_step_that_runs_twice_awards_once() -> None:
    lei = make_person()
    assert award_points(lei.pk, 50, key="journey:1:step:2:enrollment:3", reason="欢迎礼") == 50
    award_points(lei.pk, 50, key="journey:1:step:2:enrollment:3")
    assert points_balance(lei.pk) == 50


def test_tier_rank_is_minus_one_without_a_tier() -> None:
    lei = make_person()
    assert tier_rank(lei.pk) == -1
    gold = Tier.objects.create(name="金卡", rank=2, status=Status.ACTIVE)
    TierStatus.objects.create(customer=lei, tier=gold, since=T0, review_at=T0)
    assert tier_rank(lei.pk) == 2
