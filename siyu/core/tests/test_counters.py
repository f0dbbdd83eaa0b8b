"""Window counters: atomic, never over their limit, on SQLite and PostgreSQL (the parallel
test needs PostgreSQL's row locks; SQLite serialises writers)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from siyu.core.clock import day_of, fixed_window
from siyu.core.counters import give_back, take, used
from siyu.core.models import CounterWindow

AT = datetime(2026, 1, 1, 10, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_a_counter_admits_up_to_its_limit_per_window() -> None:
    window = day_of(AT)
    assert [take("cap:1", window, 3) for _ in range(4)] == [True, True, True, False]
    assert used("cap:1", window) == 3
    assert take("cap:2", window, 3)  # other keys count apart
    tomorrow = day_of(window.end)
    assert take("cap:1", tomorrow, 3)  # a new day starts from zero
    assert used("cap:1", tomorrow) == 1


@pytest.mark.django_db
def test_amounts_never_overshoot_and_can_be_given_back() -> None:
    window = day_of(AT)
    assert take("budget", window, 10, amount=7)
    assert not take("budget", window, 10, amount=4)  # 11 > 10: nothing used
    assert used("budget", window) == 7
    give_back("budget", window, 5)
    assert take("budget", window, 10, amount=8)
    give_back("budget", window, 99)
    assert used("budget", window) == 0
    assert not take("budget", window, 3, amount=4)


@pytest.mark.django_db
def test_opening_a_window_sweeps_the_keys_old_windows() -> None:
    old = fixed_window(AT - timedelta(days=3), 60)
    take("quota", old, 5)
    take("other", old, 5)
    take("quota", fixed_window(AT, 60), 5)
    assert set(CounterWindow.objects.values_list("key", "window_start")) == {
        ("other", old.start),
        ("quota", fixed_window(AT, 60).start),
    }


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_parallel_threads_never_exceed_the_limit() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("parallel writers need PostgreSQL's row locks")
    window = day_of(AT)
    threads_n, tries, limit = 8, 25, 37
    barrier = threading.Barrier(threads_n)
    admitted: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            barrier.wait()
            won = sum(take("parallel", window, limit) for _ in range(tries))
            with lock:
                admitted.append(won)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(admitted) == threads_n
    assert sum(admitted) == limit
    assert used("parallel", window) == limit
