"""Two plans reaching the same customers at once never push one over a cap (PostgreSQL:
the planners lock the chunk's customer rows in pk order)."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections

from siyu.demo.brand import Brand
from siyu.messaging.models import COUNTING, Channel, MessagingSettings, Send
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import NOW, make_customer


@pytest.mark.django_db(transaction=True)
def test_parallel_plans_keep_every_customer_within_the_daily_cap(brand: Brand) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    MessagingSettings.objects.create(day_cap=1, week_cap=0)
    people = [make_customer(str(i), owner=brand.lin_yue).pk for i in range(30)]
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def plan(n: int) -> None:
        try:
            start.wait()
            send(
                SendRequest(
                    source="race",
                    source_id=str(n),
                    channel=Channel.WEBHOOK,
                    message=Message(text="hi"),
                    customers=people,
                    at=NOW,
                )
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=plan, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    counting = Counter(
        Send.objects.filter(status__in=COUNTING).values_list("customer_id", flat=True)
    )
    assert set(counting.values()) == {1}
    assert Send.objects.count() == 4 * len(people)


@pytest.mark.django_db(transaction=True)
def test_a_worker_claims_the_next_task_while_another_holds_its_claim(brand: Brand) -> None:
    """Two workers creating a plan's WeCom tasks: while one holds its claim (the task row,
    and before the fix its plan's row too), the other takes the next task, not none."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time; the race needs PostgreSQL")
    from django.utils import timezone

    from siyu.messaging.delivery import claim_task
    from siyu.messaging.models import PlanStatus, SendPlan, StaffTask

    now = timezone.now()
    plan = SendPlan.objects.create(source="race", source_id="tasks", channel=Channel.WECOM_CUSTOMER,
                                   status=PlanStatus.PLANNED, scheduled_at=now, created_at=now)  # fmt: skip
    first, second = (
        StaffTask.objects.create(
            plan=plan,
            staff=brand.lin_yue,
            part=part,
            due_at=now,
            channel=Channel.WECOM_CUSTOMER,
            created_at=now,
        )
        for part in (0, 1)
    )
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        from django.db import transaction

        try:
            with transaction.atomic(), connection.cursor() as cur:
                # What a claim of the first task holds until it commits.
                cur.execute(
                    "SELECT 1 FROM messaging_stafftask WHERE id = %s FOR UPDATE", [first.pk]
                )
                cur.execute("SELECT 1 FROM messaging_sendplan WHERE id = %s FOR UPDATE", [plan.pk])
                held.set()
                done.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=hold)
    other.start()
    try:
        assert held.wait(10)
        claimed = claim_task(timezone.now())
    finally:
        done.set()
        other.join()
    assert claimed is not None
    assert claimed.pk == second.pk
