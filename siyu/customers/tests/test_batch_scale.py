"""A full-size batch goes through in one call (slow: run with -m slow)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from siyu.customers.batch import MAX_ITEMS, apply_batch
from siyu.customers.models import Event

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_ten_thousand_events_in_one_all_or_nothing_batch(request: pytest.FixtureRequest) -> None:
    # Nothing deselects "slow" by default, so the test keeps itself out of the README run.
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("a minute or more; run with -m slow")
    items: list[dict[str, Any]] = [
        {
            "identities": [{"type": "app_user_id", "value": f"user-{n % 2000}"}],
            "type": "page_view",
            "occurred_at": "2025-03-01T10:00:00Z",
            "properties": {"n": n},
            "idempotency_key": f"scale-{n}",
        }
        for n in range(MAX_ITEMS)
    ]
    started = time.perf_counter()
    result = apply_batch("events", items, partial=False, source="test")
    elapsed = time.perf_counter() - started
    assert result.ok, result.errors[:5]
    assert Event.objects.count() == MAX_ITEMS
    print(f"10,000 events in {elapsed:.1f}s")  # noqa: T201 - the figure is the point of this test
