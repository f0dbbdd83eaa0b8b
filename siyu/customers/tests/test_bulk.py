"""insert_all: many rows in one go with their ids known, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from siyu.customers.bulk import insert_all
from siyu.customers.models import Event
from siyu.customers.tests.factories import make_customer


@pytest.mark.django_db
def test_rows_get_their_ids_and_round_trip() -> None:
    c = make_customer("bulk-1")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [
        Event(
            customer=c,
            type="view",
            occurred_at=at,
            properties={"名字": "拿铁", "n": i, "quote": 'it\'s "x"\t\\'},
            idempotency_key=f"bulk-{i}",
        )
        for i in range(3)
    ]
    made = insert_all(Event, rows)
    assert all(e.pk for e in made)
    stored = {e.pk: e for e in Event.objects.filter(customer=c)}
    assert sorted(stored) == sorted(e.pk for e in made)
    for event in made:
        assert stored[event.pk].properties == event.properties
        assert stored[event.pk].idempotency_key == event.idempotency_key
        assert stored[event.pk].created_at is not None
    assert insert_all(Event, []) == []
