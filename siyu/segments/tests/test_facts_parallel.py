"""The order facts under real parallel writers on PostgreSQL: full fills and per-customer
recomputes of the same customers at once, while orders keep arriving, all succeed, and
once the feed has been read the facts equal the orders."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection

from siyu.segments.facts import fill_facts, recompute_facts
from siyu.segments.tests.factories import NOW, buy, make_customer
from siyu.segments.tests.test_facts import drain, expected_facts, stored_facts

ROUNDS = 6


@pytest.mark.django_db(transaction=True)
def test_fills_and_recomputes_racing_on_the_same_customers_end_equal_to_the_orders() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    people = [make_customer(f"并发{i}") for i in range(8)]
    ids = [p.pk for p in people]
    for i, person in enumerate(people):
        buy(person, NOW - timedelta(days=i), 1000)
    start = threading.Barrier(4)

    def worker(job: Callable[[], object]) -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                job()
        finally:
            connection.close()

    def more_orders() -> None:
        for person in people:
            buy(person, NOW - timedelta(hours=1), 500)

    jobs = [fill_facts, lambda: recompute_facts(ids), lambda: recompute_facts(ids), more_orders]
    with ThreadPoolExecutor(max_workers=4) as pool:
        for done in [pool.submit(worker, job) for job in jobs]:
            done.result()  # a worker's error fails the test
    drain()
    assert stored_facts() == expected_facts()
    assert len(stored_facts()) == len(people)
