"""A big send planned at the top level on PostgreSQL runs in two threads (overlap.py):
what it decides and writes is what one thread decides and writes, a failure in either
thread loses and repeats nothing, and plans that overlap this way side by side keep
every customer within the daily cap."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from siyu.demo.brand import Brand
from siyu.messaging import overlap, rows
from siyu.messaging import send as send_module
from siyu.messaging.models import (
    COUNTING,
    Channel,
    MessagingSettings,
    Reason,
    Send,
    SendPlan,
    SendStatus,
    StaffTask,
)
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the second thread plans only on PostgreSQL (SQLite has one writer)")
    monkeypatch.setattr(send_module, "CHUNK", 7)
    monkeypatch.setitem(send_module.TASK_SIZE, Channel.WECOM_CUSTOMER, 5)


def _overlaps(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the plans that went through the two threads (the real function runs)."""
    calls: list[int] = []
    real = overlap.plan_overlapped

    def counted(*args: Any) -> None:
        calls.append(1)
        real(*args)

    monkeypatch.setattr(send_module, "plan_overlapped", counted)
    return calls


def _request(source_id: str, people: list[int]) -> SendRequest:
    return SendRequest(
        source="overlap",
        source_id=source_id,
        channel=Channel.WECOM_CUSTOMER,
        message=Message(text="双十二"),
        customers=people,
        at=NOW,
    )


def _audience(brand: Brand) -> list[int]:
    """Two senders, some without consent, some in quiet hours (New York at 23:00), some
    who had today's one message already."""
    people = []
    for i in range(45):
        owner = brand.lin_yue if i % 3 else brand.chen_jing
        zone = "America/New_York" if i % 5 == 0 else ""
        people.append(make_customer(f"ov{i}", owner=owner, consent=i % 7 != 0, zone=zone).pk)
    send(_request("earlier", people[::4]))
    return people


def _written(plan: SendPlan) -> tuple[dict[int, tuple[str, str, Any]], list[tuple[Any, ...]]]:
    sends = {
        customer: (status, reason, (staff, part))
        for customer, status, reason, staff, part in plan.sends.values_list(
            "customer_id", "status", "reason", "task__staff_id", "task__part"
        )
    }
    tasks = sorted(plan.tasks.values_list("staff_id", "part", "due_at", "recipients"))
    return sends, tasks


def test_two_threads_decide_and_write_what_one_thread_does(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    MessagingSettings.objects.create(day_cap=1, week_cap=0, staff_daily_limit=20)
    people = _audience(brand)
    overlapped = _overlaps(monkeypatch)
    with transaction.atomic():  # inside a transaction: one thread
        alone = send(_request("big", people))
        assert alone.plan is not None
        reference = (_written(alone.plan), dict(alone.plan.summary), alone.tasks)
        transaction.set_rollback(True)
    assert overlapped == []
    both = send(_request("big", people))
    assert overlapped == [1]
    assert both.plan is not None
    assert (_written(both.plan), dict(both.plan.summary), both.tasks) == reference
    summary = Counter(both.plan.summary)
    # The rules were all at work: consent, today's cap, quiet hours and the staff limit.
    for label in ("blocked:no_consent", "blocked:day_cap", "deferred", "blocked:staff_limit"):
        assert summary[label] > 0, summary
    assert sum(summary.values()) == len(people)


def test_a_failure_in_one_thread_loses_and_repeats_nothing(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    MessagingSettings.objects.create(day_cap=2, week_cap=0, staff_daily_limit=0)
    people = [make_customer(f"of{i}", owner=brand.lin_yue).pk for i in range(40)]
    real: Callable[..., None] = rows.insert_sends
    written = []

    def fails_third(rows: Any) -> None:
        written.append(len(rows))
        if len(written) == 3:
            raise RuntimeError("the database went away")
        real(rows)

    monkeypatch.setattr(send_module, "insert_sends", fails_third)
    with pytest.raises(RuntimeError, match="went away"):
        send(_request("broken", people))
    stored = Send.objects.filter(source_id="broken").count()
    assert 0 < stored < len(people)  # two chunks committed, the rest not
    monkeypatch.setattr(send_module, "insert_sends", real)
    outcome = send(_request("broken", people))  # the retry finishes the plan
    assert outcome.counts["queued"] == len(people)
    keys = Counter(Send.objects.filter(source_id="broken").values_list("recipient", flat=True))
    assert len(keys) == len(people)
    assert set(keys.values()) == {1}
    tasks = StaffTask.objects.filter(plan=outcome.plan)
    assert sum(tasks.values_list("recipients", flat=True)) == len(people)
    assert all(n <= 5 for n in tasks.values_list("recipients", flat=True))


def test_overlapped_plans_side_by_side_keep_every_customer_within_the_daily_cap(
    brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    MessagingSettings.objects.create(day_cap=1, week_cap=0, staff_daily_limit=0)
    people = [make_customer(f"op{i}", owner=brand.lin_yue).pk for i in range(30)]
    overlapped = _overlaps(monkeypatch)
    start = threading.Barrier(3)
    errors: list[BaseException] = []

    def plan(n: int) -> None:
        try:
            start.wait()
            # Audiences that start apart: each plan's chunks straddle the others'.
            send(_request(f"side-{n}", people[n:]))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=plan, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a planner is stuck"
    assert errors == []
    assert len(overlapped) == 3
    counting = Counter(
        Send.objects.filter(status__in=COUNTING).values_list("customer_id", flat=True)
    )
    assert set(counting.values()) == {1}
    assert len(counting) == len(people)
    blocked = Send.objects.filter(status=SendStatus.BLOCKED)
    assert set(blocked.values_list("reason", flat=True)) == {Reason.DAY_CAP}
    assert Send.objects.count() == 3 * len(people) - 3
