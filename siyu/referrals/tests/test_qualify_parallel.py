"""A qualifying event processed twice at once, by real processes, rewards once
(PostgreSQL: the conditional UPDATE from ``attributed`` has one winner, and the reward
keys are unique behind it)."""

from __future__ import annotations

import pytest
from django.db import connection

from siyu.customers.models import Event
from siyu.loyalty.tests.parallel import run_in_processes
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.feed import handle_event
from siyu.referrals.models import Referral, ReferralStatus, Reward
from siyu.referrals.tests.factories import add_with_state, make_person, make_programme


def _handle(event_id: int) -> int:
    handle_event(Event.objects.get(pk=event_id))
    return 1


@pytest.mark.django_db(transaction=True)
def test_a_qualifying_event_handled_by_four_processes_at_once_rewards_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    programme = make_programme(milestones=[{"friends": 1, "points": 10}])
    lei, friend = make_person(), make_person()
    add_with_state(friend, state_of(code_for(programme, customer_id=lei.pk)))
    event_id = Event.objects.get(customer=friend).pk
    outcomes = run_in_processes(_handle, [(event_id,)] * 4)
    assert outcomes == [1, 1, 1, 1], outcomes
    assert Referral.objects.get().status == ReferralStatus.QUALIFIED
    assert sorted(Reward.objects.values_list("role", flat=True)) == [
        "invitee", "inviter", "milestone",
    ]  # fmt: skip
