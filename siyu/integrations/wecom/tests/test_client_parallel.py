"""Many workers needing a token at once cause one gettoken (WeCom blocks heavy callers)."""

from __future__ import annotations

import pytest

from siyu.integrations.wecom.simulator.testing import make_client, make_simulator
from siyu.integrations.wecom.tests.conftest import run_together


@pytest.mark.django_db(transaction=True)
def test_parallel_callers_share_one_gettoken() -> None:
    sim = make_simulator()
    # One client per thread, like separate processes.
    errors = run_together(6, lambda: make_client(sim).follow_user_list())
    assert errors == []
    assert sim.gettoken_calls == 1


@pytest.mark.django_db(transaction=True)
def test_parallel_limiter_admits_exactly_the_quota() -> None:
    from siyu.integrations.wecom.client.errors import LocalRateLimited
    from siyu.integrations.wecom.client.limiter import RateLimiter

    limiter = RateLimiter(limits=((3600, 5),))
    outcomes: list[str] = []

    def work() -> None:
        try:
            limiter.acquire("wwparallel", "/cgi-bin/x")
            outcomes.append("ok")
        except LocalRateLimited:
            outcomes.append("limited")

    assert run_together(8, work) == []
    assert sorted(outcomes) == ["limited"] * 3 + ["ok"] * 5
