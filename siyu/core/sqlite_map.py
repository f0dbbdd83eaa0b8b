"""SQLite's memory map, set aside for long streaming work.

The connections map the database file (``SIYU_SQLITE_MMAP_MB``): pages read are shared
with every process and page lookups are cheaper. A process that walks much of a large
database (an import compares and extends every index it touches) then counts each mapped
page in its resident memory: 378 MB for a 1M-line order import whose own objects peaked at
260 MB. Read through SQLite's bounded page cache instead, the same import peaked at 288 MB
and ran as fast (the operating system's cache still holds the file).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection


@contextmanager
def unmapped() -> Iterator[None]:
    """This connection reads the file without its memory map inside the block."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cur:
        cur.execute("PRAGMA mmap_size")
        (before,) = cur.fetchone()
        cur.execute("PRAGMA mmap_size=0")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            cur.execute(f"PRAGMA mmap_size={int(before)}")
