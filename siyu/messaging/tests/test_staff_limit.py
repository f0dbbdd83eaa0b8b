"""The per-staff daily limit is a durable counter row per staff and brand day: two plans
planned at once by real processes never give one sender more than the limit (PostgreSQL),
and a plan made later the same day sees what earlier plans took."""

from __future__ import annotations

import pytest
from django.db import connection

from siyu.demo.brand import Brand
from siyu.loyalty.tests.parallel import run_in_processes
from siyu.messaging.models import COUNTING, Channel, MessagingSettings, Reason, Send, StaffDayCount
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import NOW, make_customer


def _plan(source_id: str, people: list[int]) -> int:
    outcome = send(
        SendRequest(
            source="staff-limit",
            source_id=source_id,
            channel=Channel.WECOM_CUSTOMER,
            message=Message(text="新豆到店"),
            customers=people,
            at=NOW,
        )
    )
    return outcome.counts["queued"]


@pytest.mark.django_db(transaction=True)
def test_two_plans_in_parallel_processes_never_exceed_a_senders_daily_limit(brand: Brand) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("real parallel writers need PostgreSQL; SQLite has one writer at a time")
    MessagingSettings.objects.create(staff_daily_limit=15, day_cap=0, week_cap=0)
    people = [make_customer(f"sl{i}", owner=brand.lin_yue).pk for i in range(20)]
    results = run_in_processes(_plan, [("a", people[:10]), ("b", people[10:])])
    assert all(isinstance(r, int) for r in results), results
    sends = Send.objects.filter(staff=brand.lin_yue)
    assert sends.filter(status__in=COUNTING).count() == 15
    assert sends.filter(reason=Reason.STAFF_LIMIT).count() == 5
    assert StaffDayCount.objects.get(staff=brand.lin_yue).sent == 15


@pytest.mark.django_db
def test_a_later_plan_the_same_day_is_held_to_what_the_earlier_ones_left(brand: Brand) -> None:
    MessagingSettings.objects.create(staff_daily_limit=5, day_cap=0, week_cap=0)
    people = [make_customer(f"sm{i}", owner=brand.lin_yue).pk for i in range(8)]
    assert _plan("first", people[:4]) == 4
    assert _plan("second", people[4:]) == 1
    blocked = Send.objects.filter(reason=Reason.STAFF_LIMIT)
    assert blocked.count() == 3
    assert not blocked.exclude(budget_state="").exists()  # no WeCom budget held for them
