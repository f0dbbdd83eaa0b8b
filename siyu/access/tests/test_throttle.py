"""Login throttle verbs: growing locks per username and per address, forgetting, audit."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory, override_settings

from siyu.access.models import LoginThrottle, ThrottleScope
from siyu.access.tests.clock import MovableClock, install_clock
from siyu.access.throttle import (
    POLICIES,
    clear_login_failures,
    client_address,
    locked_until,
    record_login_failure,
)
from siyu.core.models import AuditLog

pytestmark = pytest.mark.django_db
USER_FREE = POLICIES[ThrottleScope.USERNAME].free_failures


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> MovableClock:
    return install_clock(monkeypatch)


def fail(times: int, username: str = "lin.yue", address: str = "10.0.0.1") -> None:
    for _ in range(times):
        record_login_failure(username, address)


def test_a_few_wrong_passwords_lock_nothing(clock: MovableClock) -> None:
    fail(USER_FREE - 1)
    assert locked_until("lin.yue", "10.0.0.1") is None


def test_each_failure_past_the_free_ones_doubles_the_lock(clock: MovableClock) -> None:
    fail(USER_FREE - 1)
    locks = []
    for _ in range(4):
        until = record_login_failure("lin.yue", "10.0.0.1")
        assert until is not None
        locks.append(until - clock.now)
    assert locks == [timedelta(seconds=30 * 2**n) for n in range(4)]
    assert locked_until("LIN.YUE ", "10.9.9.9") == clock.now + locks[-1]  # same user, any case


def test_the_lock_is_capped(clock: MovableClock) -> None:
    fail(USER_FREE + 40)
    until = locked_until("lin.yue", "10.0.0.2")
    assert until is not None
    assert until - clock.now == POLICIES[ThrottleScope.USERNAME].longest_lock


def test_many_usernames_from_one_address_lock_the_address(clock: MovableClock) -> None:
    for n in range(POLICIES[ThrottleScope.ADDRESS].free_failures):
        record_login_failure(f"guess{n}", "10.0.0.7")
    assert locked_until("someone.else", "10.0.0.7") is not None
    assert locked_until("someone.else", "10.0.0.8") is None


def test_the_count_is_forgotten_after_a_quiet_day(clock: MovableClock) -> None:
    fail(USER_FREE - 1)
    clock.advance(days=1, seconds=1)
    assert record_login_failure("lin.yue", "10.0.0.1") is None
    row = LoginThrottle.objects.get(scope=ThrottleScope.USERNAME, key="lin.yue")
    assert row.failures == 1


def test_clearing_ends_the_username_lock_but_not_the_address_count(clock: MovableClock) -> None:
    fail(USER_FREE)
    clear_login_failures("lin.yue")
    assert locked_until("lin.yue", "10.0.0.99") is None
    assert (
        LoginThrottle.objects.get(scope=ThrottleScope.ADDRESS, key="10.0.0.1").failures == USER_FREE
    )


def test_every_lock_is_audited(clock: MovableClock) -> None:
    fail(USER_FREE + 1)
    locks = AuditLog.objects.filter(action="login_locked", target_type="username")
    assert locks.count() == 2
    entry = locks.latest("pk")
    assert entry.target_id == "lin.yue"
    assert entry.detail["failures"] == USER_FREE + 1
    assert entry.detail["address"] == "10.0.0.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "192.168.1.10"),  # no proxy: the header is the client's own say
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # spoofed left part ignored
        (2, "1.2.3.4, 172.16.0.2", "1.2.3.4"),
        (1, "", "192.168.1.10"),
        (1, "not-an-address", "unknown"),
    ],
)
def test_client_address_trusts_only_the_configured_proxies(
    proxies: int, forwarded: str, expected: str
) -> None:
    request = RequestFactory().get("/", REMOTE_ADDR="192.168.1.10", HTTP_X_FORWARDED_FOR=forwarded)
    with override_settings(SIYU_PROXY_COUNT=proxies):
        assert client_address(request) == expected


@pytest.mark.django_db(transaction=True)
def test_parallel_failures_are_all_counted() -> None:
    """Eight attackers at once against one username from one address: no failure lost
    (first insert race included), so nobody guesses past the lock by going wide."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    start = threading.Barrier(8)

    def attacker(_: int) -> None:
        try:
            start.wait()
            for _attempt in range(5):
                record_login_failure("lin.yue", "10.0.0.1")
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(attacker, range(8)))
    rows = dict(LoginThrottle.objects.values_list("scope", "failures"))
    assert rows == {ThrottleScope.USERNAME: 40, ThrottleScope.ADDRESS: 40}


def test_rows_forgotten_anyway_are_dropped(clock: MovableClock) -> None:
    record_login_failure("typo.name", "10.0.0.3")
    clock.advance(days=2)
    record_login_failure("lin.yue", "10.0.0.4")
    assert set(LoginThrottle.objects.values_list("key", flat=True)) == {"lin.yue", "10.0.0.4"}
