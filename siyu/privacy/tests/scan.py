"""Scan every text and binary column of every table for given needles."""

from __future__ import annotations

from django.db import connection


def _text(value: object) -> str | None:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        import json

        return json.dumps(value, ensure_ascii=False)
    return None


def scan_database(needles: set[str]) -> list[tuple[str, str]]:
    """(table, needle) for every needle found anywhere."""
    found: list[tuple[str, str]] = []
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 - table names of our own schema
            for row in cursor.fetchall():
                for value in row:
                    text = _text(value)
                    if text is None:
                        continue
                    found.extend((table, n) for n in needles if n in text)
    return sorted(set(found))
