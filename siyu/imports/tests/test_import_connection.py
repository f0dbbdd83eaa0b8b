"""What an import leaves and keeps of its connection: PostgreSQL's planner statistics of
the tables it fills, SQLite's memory map set aside while it runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from siyu.demo.brand import Brand
from siyu.imports import engine
from siyu.imports.tests.test_corrections import BASE, load, write
from siyu.imports.whole_file import check_path, import_path
from siyu.imports.writer import Options


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


def mmap_size() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("PRAGMA mmap_size")
        return int(cur.fetchone()[0])


@pytest.mark.django_db
def test_an_import_reads_sqlite_without_the_memory_map_and_restores_it(
    brand: Brand, tmp_path: Path
) -> None:
    """Mapped, every page of the database an import walks counted in its resident memory."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's memory map")
    configured = mmap_size()
    assert configured > 0
    during: list[int] = []
    path = write(tmp_path, BASE)
    checked = check_path("orders", path, lambda n: during.append(mmap_size()), keep=True)
    import_path("orders", path, Options(), lambda n: during.append(mmap_size()), checked=checked)
    assert during == [0, 0]
    assert mmap_size() == configured
