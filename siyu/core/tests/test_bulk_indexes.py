"""Indexes deferred for a bulk load come back exactly as they were, or never leave."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from siyu.core.bulk_indexes import indexes_deferred
from siyu.customers.models import Customer, Order

pytestmark = pytest.mark.django_db

TABLES = [Customer._meta.db_table, Order._meta.db_table]


def indexes() -> dict[str, tuple[tuple[str, ...], bool]]:
    with connection.cursor() as cur:
        return {
            name: (tuple(info["columns"]), bool(info["unique"]))
            for table in TABLES
            for name, info in connection.introspection.get_constraints(cur, table).items()
            if info["index"] or info["unique"]
        }


def test_non_unique_indexes_are_gone_during_the_load_and_rebuilt_after() -> None:
    before = indexes()
    with transaction.atomic(), indexes_deferred(TABLES) as deferred:
        during = indexes()
        assert deferred == len(before) - len(during) >= 10
        assert all(unique for _columns, unique in during.values())
        Customer.objects.create(display_name="张敏", created_at="2026-01-01T00:00:00Z")
    assert indexes() == before


def test_a_failed_load_leaves_the_indexes_as_they_were() -> None:
    before = indexes()
    with pytest.raises(ValueError, match="failed"), transaction.atomic(), indexes_deferred(TABLES):
        raise ValueError("the load failed")
    assert indexes() == before
