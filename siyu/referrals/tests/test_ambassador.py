"""The ambassador programme: two levels at most, commission only on paid sales that stay
paid through the freeze, and configurations that break the anti-pyramid rules refused
with their reasons."""

from __future__ import annotations

import itertools

import pytest

from siyu.referrals.ambassador import (
    ProgrammeRefused,
    chain_of,
    create_ambassador_programme,
    settle_due,
)  # fmt: skip
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.koc import score_kocs
from siyu.referrals.models import Commission, CommissionStatus, Programme, Referral
from siyu.referrals.tests.factories import (
    T0,
    add_with_state,
    buy,
    days,
    drain,
    event,
    make_person,
    refund,
)  # fmt: skip

pytestmark = pytest.mark.django_db


def programme(**fields: object) -> Programme:
    defaults: dict[str, object] = {
        "name": "山茶咖啡推广大使", "commission_bp": [1000, 300], "freeze_days": 15,
        "event_type": "ambassador_joined", "hold_days": 0,
    }  # fmt: skip
    defaults.update(fields)
    return create_ambassador_programme(**defaults)


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"entry_fee_fen": 9900}, "entry_fee"),
        ({"commission_bp": [1000, 300, 100]}, "third_level"),
        ({"inviter_points": 100}, "headcount_reward"),
        ({"milestones": [{"friends": 5, "points": 500}]}, "headcount_reward"),
        ({"commission_bp": [5000]}, "commission_rate"),
        ({"commission_bp": []}, "no_commission"),
    ],
)
def test_configurations_that_break_anti_pyramid_rules_are_refused_with_the_reason(
    fields: dict[str, object], reason: str
) -> None:
    with pytest.raises(ProgrammeRefused) as refused:
        programme(**fields)
    assert reason in refused.value.reasons
    assert refused.value.messages  # a sentence a person reads
    assert not Programme.objects.exists()


def tree(p: Programme, depth: int) -> list:  # type: ignore[type-arg]
    """mentor → ambassador → … → buyer, ``depth`` links long."""
    people = [make_person() for _ in range(depth + 1)]
    for up, down in itertools.pairwise(people):
        add_with_state(down, state_of(code_for(p, customer_id=up.pk)))
    drain()
    return people


def test_commission_goes_two_levels_up_and_no_further() -> None:
    p = programme()
    top, mentor, ambassador, buyer = tree(p, 3)
    assert chain_of(p, buyer.pk) == [ambassador.pk, mentor.pk]
    buy(buyer, 10000, at=T0)
    drain()
    rows = {c.level: (c.ambassador_id, c.amount_fen, c.status) for c in Commission.objects.all()}
    assert rows == {
        1: (ambassador.pk, 1000, CommissionStatus.FROZEN),
        2: (mentor.pk, 300, CommissionStatus.FROZEN),
    }
    assert not Commission.objects.filter(ambassador_id=top.pk).exists()


def test_commission_settles_after_the_freeze_on_what_was_kept() -> None:
    p = programme()
    _mentor, ambassador, buyer = tree(p, 2)
    kept, gone = buy(buyer, 10000, at=T0), buy(buyer, 5000, at=T0)
    drain()
    assert settle_due(T0 + days(14)) == 0
    refund(buyer, kept, 4000, at=T0 + days(3))
    refund(buyer, gone, 5000, at=T0 + days(3))
    drain()
    assert settle_due(T0 + days(15)) == 4
    level1 = Commission.objects.filter(level=1, ambassador_id=ambassador.pk)
    assert sorted(level1.values_list("status", "amount_fen")) == [("settled", 600), ("void", 0)]
    assert Commission.objects.count() == 4  # the order delivered again adds nothing
    assert settle_due(T0 + days(30)) == 0


def test_an_ambassador_is_not_paid_for_recruiting_alone() -> None:
    p = programme()
    tree(p, 4)
    assert Referral.objects.count() == 4
    assert not Commission.objects.exists()


def test_koc_score_ranks_referred_gmv_shares_and_reach() -> None:
    p = programme()
    lei, friend = tree(p, 1)
    other, other_friend = tree(p, 1)
    buy(friend, 30000, at=T0)
    buy(other_friend, 1000, at=T0)
    event(lei, "material_shared", material_id=1)
    rows = score_kocs()
    assert [r.customer_id for r in rows[:2]] == [lei.pk, other.pk]
    assert rows[0].referred_gmv_fen == 30000
    assert (rows[0].reach, rows[0].shared, rows[0].score) == (1, 1, 100.0)
