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
