"""Let the current transaction's commit return before its WAL reaches the disk.

For batch writers whose rows nobody outside the database acts on at the commit (PostgreSQL
only; SQLite's synchronous=NORMAL already behaves so in WAL mode). A database crash before
the flush loses the transaction as if it had not run, so a caller must be one whose work is
run again when its rows are missing: each caller says why it is. ``SET LOCAL``: the next
transaction commits normally, and its synchronous commit flushes every earlier one.
"""

from __future__ import annotations

from django.db import connection


def commit_lazily() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
