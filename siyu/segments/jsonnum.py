"""A numeric event property as SQL, NULL when the property is missing or not a number.

JSON has no schema: one client sends ``"amount": 12``, another ``"amount": "12"`` or
``true``. Summing only real JSON numbers keeps PostgreSQL from failing on a cast and gives
the same answer on SQLite.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, FloatField, Func
from django.db.models.sql.compiler import SQLCompiler


class JsonNumber(Func):
    output_field = FloatField()

    def __init__(self, field: str, key: str, **extra: Any) -> None:
        self.key = key
        super().__init__(F(field), **extra)

    def _column(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper
    ) -> tuple[str, list[Any]]:
        source: Expression = self.source_expressions[0]
        sql, params = compiler.compile(source)
        return sql, list(params)

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        col, params = self._column(compiler, connection)
        path = f'$."{self.key}"'
        sql = (
            f"(CASE WHEN json_type({col}, %s) IN ('integer', 'real') "
            f"THEN CAST(json_extract({col}, %s) AS REAL) END)"
        )
        return sql, [*params, path, *params, path]

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra: Any
    ) -> tuple[str, list[Any]]:
        col, params = self._column(compiler, connection)
        sql = (
            f"(CASE WHEN jsonb_typeof({col} -> %s) = 'number' "
            f"THEN ({col} ->> %s)::double precision END)"
        )
        return sql, [*params, self.key, *params, self.key]
