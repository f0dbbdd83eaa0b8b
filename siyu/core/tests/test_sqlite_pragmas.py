"""The embedded default's connections keep a page cache and map the database file
(settings.database_config): with SQLite's own defaults (a 2 MB cache, no map) a brand of a
few hundred thousand customers reads most index pages from the OS again on every query."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.mark.django_db
def test_every_sqlite_connection_has_the_configured_cache_and_memory_map() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's pragmas")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        assert cursor.fetchone()[0] == -64 * 1024  # negative: KiB, not pages
        cursor.execute("PRAGMA mmap_size")
        assert cursor.fetchone()[0] == 1024 * 2**20
        cursor.execute("PRAGMA temp_store")
        assert cursor.fetchone()[0] == 2  # MEMORY
