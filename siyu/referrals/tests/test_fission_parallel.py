"""Gift stock under real concurrency (PostgreSQL): eight inviters who all reached the
target unlock at once; the stock of three gives exactly three gifts."""

from __future__ import annotations

import pytest
from django.db import connection

from siyu.campaigns.refusals import Refused
from siyu.loyalty.tests.parallel import run_in_processes
from siyu.referrals.codes import code_for
from siyu.referrals.fission import unlock_gift
from siyu.referrals.models import Programme, Referral, ReferralStatus, TaskGift
from siyu.referrals.tests.factories import T0, make_person, make_programme


def _unlock(programme_id: int, customer_id: int) -> str:
    try:
        unlock_gift(programme_id, customer_id, at=T0)
    except Refused as refused:
        return refused.code
    return "gift"


@pytest.mark.django_db(transaction=True)
def test_eight_unlocks_at_once_take_a_stock_of_three_exactly() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    programme: Programme = make_programme(kind="task", task_target=1, gift_stock=3)
    inviters = [make_person() for _ in range(8)]
    for inviter in inviters:
        Referral.objects.create(
            programme=programme, code=code_for(programme, customer_id=inviter.pk),
            inviter_id=inviter.pk, invitee_id=make_person().pk, via="wecom",
            status=ReferralStatus.QUALIFIED, attributed_at=T0,
        )  # fmt: skip
    outcomes = run_in_processes(_unlock, [(programme.pk, i.pk) for i in inviters])
    assert sorted(outcomes) == ["gift"] * 3 + ["sold_out"] * 5, outcomes
    programme.refresh_from_db()
    assert programme.gift_given == 3 == TaskGift.objects.count()
