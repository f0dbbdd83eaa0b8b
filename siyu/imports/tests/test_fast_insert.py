"""Rows inserted by ``fast_insert`` read back as the ORM would have stored them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

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


# What a text column holds on both databases (PostgreSQL refuses NUL and lone surrogates).
TEXT = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])
FIELDS = {
    "display_name": st.text(TEXT, max_size=8),
    "real_name": st.text(TEXT, max_size=8),
    "first_seen_at": st.datetimes(
        min_value=datetime(2000, 1, 1),  # noqa: DTZ001 - bounds of naive values, zoned below
        max_value=datetime(2030, 1, 1),  # noqa: DTZ001
        timezones=st.sampled_from(
            [
                UTC,
                timezone(timedelta(hours=8)),
                ZoneInfo("Asia/Shanghai"),
                ZoneInfo("America/New_York"),
            ]
        ),
    ),
    "birthday": st.none() | st.dates(),
    "interests": st.lists(st.text(TEXT, max_size=4), max_size=3),
}


def instant(value: Any) -> Any:
    """Aware times as UTC: Python never finds an ambiguous wall-clock time (a DST fall-back
    hour, 01:00 in New York on 2016-11-06) equal to a time in another zone, even the same
    instant (PEP 495)."""
    return value.astimezone(UTC) if isinstance(value, datetime) else value


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.lists(st.sampled_from(sorted(FIELDS)), unique=True).flatmap(
            lambda names: st.fixed_dictionaries({n: FIELDS[n] for n in names})
        ),
        min_size=1,
        max_size=6,
    )
)
def test_rows_with_any_mix_of_keys_read_back_as_given(rows: list[dict[str, Any]]) -> None:
    # Rows that share the first row's keys take the fast way, the others the general one:
    # both must store what the ORM would.
    ids = reserve_ids(Customer, len(rows))
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    given_rows = [
        {"id": i, "created_at": at, "updated_at": at, **row}
        for i, row in zip(ids, rows, strict=True)
    ]
    insert_rows(Customer, given_rows)
    blank = Customer()
    try:
        for i, row in zip(ids, rows, strict=True):
            stored = Customer.objects.get(pk=i)
            for name in FIELDS:
                assert instant(getattr(stored, name)) == instant(
                    row.get(name, getattr(blank, name))
                ), name
    finally:
        Customer.objects.filter(pk__in=ids).delete()
