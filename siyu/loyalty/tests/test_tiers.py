"""Tiers: upgrade at once, downgrade only at a review after the grace period, history."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.customers.orders import OrderInput, upsert_order
from siyu.loyalty.models import Program, Status, Tier, TierBasis, TierChange
from siyu.loyalty.tests.factories import T0, give, make_person
from siyu.loyalty.tiers import evaluate_tier, review_tiers

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiers() -> dict[str, Tier]:
    Program.objects.create(pk=1, window_days=365, review_every_days=90, grace_days=30)
    return {
        name: Tier.objects.create(name=name, rank=rank, threshold=threshold, status=Status.ACTIVE)
        for name, rank, threshold in (("银卡", 1, 0), ("金卡", 2, 1000), ("黑卡", 3, 5000))
    }


def test_earning_past_a_threshold_upgrades_at_once(tiers: dict[str, Tier]) -> None:
    lei = make_person()
    assert evaluate_tier(lei.pk, at=T0).tier == tiers["银卡"]
    give(lei, 1200)
    status = evaluate_tier(lei.pk, at=T0)
    assert status.tier == tiers["金卡"]
    reasons = list(TierChange.objects.filter(customer=lei).values_list("reason", flat=True))
    assert reasons == ["upgrade", "upgrade"]


def test_pending_points_do_not_qualify(tiers: dict[str, Tier]) -> None:
    lei = make_person()
    give(lei, 2000, pending=7)
    assert evaluate_tier(lei.pk, at=T0).tier == tiers["银卡"]


def test_a_downgrade_waits_for_the_review_and_then_the_grace_period(tiers: dict[str, Tier]) -> None:
    lei = make_person()
    give(lei, 1200, at=T0)
    evaluate_tier(lei.pk, at=T0)  # 金卡, review in 90 days
    past_window = T0 + timedelta(days=400)  # the points have left the rolling window
    assert evaluate_tier(lei.pk, at=past_window).tier == tiers["金卡"]  # never down here
    assert review_tiers(past_window) == 0  # grace starts
    assert review_tiers(past_window + timedelta(days=29)) == 0
    assert review_tiers(past_window + timedelta(days=30)) == 1
    status = evaluate_tier(lei.pk, at=past_window + timedelta(days=30))
    assert status.tier == tiers["银卡"]
    assert TierChange.objects.filter(customer=lei, reason="downgrade").count() == 1


def test_earning_back_during_grace_keeps_the_tier(tiers: dict[str, Tier]) -> None:
    lei = make_person()
    give(lei, 1200, at=T0)
    evaluate_tier(lei.pk, at=T0)
    later = T0 + timedelta(days=400)
    review_tiers(later)
    give(lei, 1000, at=later + timedelta(days=10))
    evaluate_tier(lei.pk, at=later + timedelta(days=10))
    assert review_tiers(later + timedelta(days=30)) == 0
    assert evaluate_tier(lei.pk, at=later + timedelta(days=30)).tier == tiers["金卡"]


def test_spend_can_be_the_basis(tiers: dict[str, Tier]) -> None:
    Program.objects.filter(pk=1).update(basis=TierBasis.SPEND)
    lei = make_person()
    upsert_order(lei, OrderInput("pos", "T1", T0, 600_000, 600_000))
    assert evaluate_tier(lei.pk, at=T0 + timedelta(days=1)).tier == tiers["黑卡"]
