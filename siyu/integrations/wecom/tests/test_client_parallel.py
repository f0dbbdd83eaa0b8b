"""Many workers needing a token at once cause one gettoken (WeCom blocks heavy callers)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from siyu.integrations.wecom.simulator.testing import make_client, make_simulator


@pytest.mark.django_db(transaction=True)
def test_parallel_callers_share_one_gettoken() -> None:
    sim = make_simulator()
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            client = make_client(sim)  # one client per thread, like separate processes
            barrier.wait()
            client.follow_user_list()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sim.gettoken_calls == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_limiter_admits_exactly_the_quota() -> None:
    from siyu.integrations.wecom.client.errors import LocalRateLimited
    from siyu.integrations.wecom.client.limiter import RateLimiter

    limiter = RateLimiter(limits=((3600, 5),))
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def work() -> None:
        try:
            barrier.wait()
            limiter.acquire("wwparallel", "/cgi-bin/x")
            outcomes.append("ok")
        except LocalRateLimited:
            outcomes.append("limited")
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["limited"] * 3 + ["ok"] * 5
