"""Rows inserted by ``fast_insert`` read back as the ORM would have stored them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from siyu.customers.models import Customer
from siyu.imports.fast_insert import insert_rows, reserve_ids

pytestmark = pytest.mark.django_db(transaction=True)


def test_times_in_any_zone_are_stored_as_the_same_instant() -> None:
    beijing = timezone(timedelta(hours=8))
    at = datetime(2024, 3, 1, 10, 0, 0, 123456, tzinfo=beijing)
    now = datetime.now(UTC)
    [fast] = reserve_ids(Customer, 1)
    insert_rows(Customer, [{"id": fast, "created_at": at, "updated_at": now, "first_seen_at": at}])
    saved = Customer.objects.create(created_at=at, first_seen_at=at)
    stored = Customer.objects.get(pk=fast)
    assert stored.created_at == at == saved.created_at
    assert stored.first_seen_at == datetime(2024, 3, 1, 2, 0, 0, 123456, tzinfo=UTC)
    assert stored.updated_at == now
    assert (
        Customer.objects.filter(first_seen_at__lt=datetime(2024, 3, 1, 2, 1, tzinfo=UTC)).count()
        == 2
    )
