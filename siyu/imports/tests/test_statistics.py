"""An import keeps PostgreSQL's planner statistics of the tables it fills."""

from __future__ import annotations

from pathlib import Path

import pytest

from siyu.demo.brand import Brand
from siyu.imports import engine
from siyu.imports.tests.test_corrections import BASE, load


@pytest.mark.django_db
def test_an_import_leaves_the_tables_it_filled_with_statistics(
    brand: Brand, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Planned without statistics, each identifier lookup of the next import scanned."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner statistics")
    monkeypatch.setattr(engine, "ANALYZE_AT_END", 1)  # the two orders of the file count
    load(tmp_path, BASE)
    with connection.cursor() as cur:
        cur.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname IN"
            " ('customers_order', 'customers_orderline', 'customers_refund')"
        )
        assert dict(cur.fetchall()) == {
            "customers_order": 2,
            "customers_orderline": 2,
            "customers_refund": 1,
        }
