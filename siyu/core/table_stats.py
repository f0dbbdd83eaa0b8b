"""Fresh planner statistics after bulk writes.

PostgreSQL's autovacuum analyses a table once a tenth of it has changed, checking once a
minute: a bulk load that fills a table in seconds leaves it with no statistics (or those of
an empty table) meanwhile, and the planner then picks plans that scan. Measured on an
import: each identifier lookup of a chunk took 25 ms instead of 1 ms until the table was
analysed. SQLite's planner does not need it for the lookups we make (they name a unique
index), so this is PostgreSQL only.
"""

from __future__ import annotations

from django.db import connection, models


def analyze(*tables: type[models.Model]) -> None:
    """ANALYZE these models' tables (PostgreSQL; a no-op elsewhere)."""
    if connection.vendor != "postgresql" or not tables:
        return
    names = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in tables)
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {names}")
