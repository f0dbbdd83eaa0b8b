"""The customer list's newest-first order (acquisition time descending, unknown times
last, then id descending) read backwards from the acquisition indexes on PostgreSQL.

PostgreSQL's B-tree keeps NULLs last by default, so a backward scan yields descending
with NULLs *first*: the list's NULLS LAST order could not use the index and sorted all
active customers instead (276 ms a page at 1M). With the NULLs first in the index, the
backward scan is the list's order. SQLite already sorts NULL lowest, so its indexes stay.
The same goes for the name search (``console/queries.name_prefix``): its LIKE 'prefix%'
uses a plain index only under the C collation, so on PostgreSQL the names get a pattern
index of their own (59 ms a search at 1M without it). The model's Index definitions are unchanged (Django's state compares fields, not the
NULL order); the bulk loader rebuilds indexes from the database's own definitions.
"""

from typing import Any

from django.db import migrations

INDEXES = {
    "cust_status_first_seen": "(status, first_seen_at NULLS FIRST, id)",
    "cust_unit_acquired": "(org_unit_id, status, first_seen_at NULLS FIRST)",
}
DEFAULT = {
    "cust_status_first_seen": "(status, first_seen_at, id)",
    "cust_unit_acquired": "(org_unit_id, status, first_seen_at)",
}


def _rebuild(schema_editor: Any, columns: dict[str, str]) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name, cols in columns.items():
            cursor.execute(f"DROP INDEX IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX {name} ON customers_customer {cols}")


PATTERN = (
    "CREATE INDEX IF NOT EXISTS cust_display_name_like"
    " ON customers_customer (display_name varchar_pattern_ops)"
)


def nulls_first(apps: Any, schema_editor: Any) -> None:
    _rebuild(schema_editor, INDEXES)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(PATTERN)


def nulls_last(apps: Any, schema_editor: Any) -> None:
    _rebuild(schema_editor, DEFAULT)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS cust_display_name_like")


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_identity_indexes_lead_with_their_keys")]

    operations = [migrations.RunPython(nulls_first, nulls_last)]
