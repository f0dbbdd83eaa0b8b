"""Per-key rate limit: a database counter, exact under parallel requests, answered with 429
and Retry-After."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import close_old_connections, connection

from siyu.access.keys import create_api_key
from siyu.access.models import ApiKey
from siyu.access.ratelimit import take_request
from siyu.access.tests.clients import integration_client

T0 = datetime(2026, 12, 1, 8, 0, 45, 500000, tzinfo=UTC)


def _fresh(key: ApiKey) -> ApiKey:
    return ApiKey.objects.get(pk=key.pk)


@pytest.mark.django_db
def test_a_key_gets_its_budget_per_minute_then_a_retry_time() -> None:
    key, _ = create_api_key("pos", ["ingest:orders"], rate_per_minute=3)
    assert [take_request(_fresh(key), T0) for _ in range(3)] == [None, None, None]
    assert take_request(_fresh(key), T0) == 15  # 14.5 s to the next minute, rounded up
    assert take_request(_fresh(key), T0 + timedelta(seconds=15)) is None
    assert _fresh(key).window_count == 1
    assert _fresh(key).last_used_at == T0 + timedelta(seconds=15)


@pytest.mark.django_db
def test_a_refused_request_does_not_count_as_use() -> None:
    key, _ = create_api_key("pos", ["ingest:orders"], rate_per_minute=1)
    take_request(_fresh(key), T0)
    assert take_request(_fresh(key), T0 + timedelta(seconds=5)) is not None
    assert _fresh(key).last_used_at == T0


@pytest.mark.django_db
def test_a_newer_window_opened_by_a_clock_ahead_is_never_rolled_back() -> None:
    key, _ = create_api_key("pos", ["ingest:orders"], rate_per_minute=2)
    take_request(_fresh(key), T0 + timedelta(minutes=1))
    assert take_request(_fresh(key), T0) is None  # counted into the newer window
    assert take_request(_fresh(key), T0) is not None
    assert _fresh(key).window_start == datetime(2026, 12, 1, 8, 1, tzinfo=UTC)


@pytest.mark.django_db
def test_over_the_limit_the_api_answers_429_with_retry_after() -> None:
    client = integration_client("bi", scopes=["segments:read"], rate_per_minute=2)
    assert [client.get("/api/segments").status_code for _ in range(2)] == [200, 200]
    refused = client.get("/api/segments")
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "2 requests per minute" in refused.json()["detail"]


def _hammer(args: tuple[int, datetime, int]) -> int:
    pk, now, n = args
    try:
        return sum(take_request(ApiKey.objects.get(pk=pk), now) is None for _ in range(n))
    finally:
        close_old_connections()
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("opened", [True, False])
def test_parallel_requests_never_exceed_the_limit_nor_lose_a_count(opened: bool) -> None:
    """8 threads × 20 requests against a budget of 50, in an open window and across the
    rollover into a new one: exactly 50 are allowed."""
    if connection.vendor != "postgresql":
        pytest.skip("row-lock concurrency is exercised on PostgreSQL; SQLite serialises writers")
    key, _ = create_api_key("pos", ["ingest:orders"], rate_per_minute=50)
    if opened:
        take_request(key, T0)
        ApiKey.objects.filter(pk=key.pk).update(window_count=0)
    else:
        ApiKey.objects.filter(pk=key.pk).update(
            window_start=T0 - timedelta(minutes=5), window_count=50
        )
    with ThreadPoolExecutor(max_workers=8) as pool:
        allowed = sum(pool.map(_hammer, [(key.pk, T0, 20)] * 8))
    assert allowed == 50
    assert _fresh(key).window_count == 50
