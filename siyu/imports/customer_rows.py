"""Customer files: each row is one customer's identifiers and profile fields (the shape
of ``siyu.customers.batch_schemas``); the cell rules are in ``siyu.imports.rows``."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from siyu.imports.columns import IDENTITY_COLUMNS
from siyu.imports.rows import (
    CellError,
    Parsed,
    ParsedItem,
    RowError,
    identities_of,
    is_identity_column,
    numbered_rows,
    parse_moment,
    split,
)

GENDERS = {"女": "female", "男": "male", "未知": "unknown", "f": "female", "m": "male"}
LIST_SPLIT = re.compile(r"[|、;；]")
CUSTOMER_RENAMES = {"store": "org_unit", "owner": "primary_owner"}


def customer_item(row: int, cells: dict[str, str]) -> ParsedItem:
    identities, columns = identities_of(cells)
    if not identities:
        raise CellError(IDENTITY_COLUMNS[0], _("the row has no identifier (phone, unionid …)"))
    raw: dict[str, Any] = {"identities": identities}
    for column, value in cells.items():
        if not value or (is_identity_column(column) and column not in {"phone", "email"}):
            continue
        raw[CUSTOMER_RENAMES.get(column, column)] = customer_value(column, value)
    return ParsedItem(row, raw, columns, rows=[row])


def customer_value(column: str, value: str) -> Any:
    if column == "gender":
        return GENDERS.get(value.lower(), value.lower())
    if column == "birthday":
        return value.replace("/", "-")
    if column == "first_seen_at":
        return parse_moment(column, value)
    if column == "interests":
        return [part.strip() for part in LIST_SPLIT.split(value) if part.strip()]
    if column in {"lifecycle_stage", "spending_power"}:
        return value.lower()
    return value


def iter_customers(header: list[str], rows: Iterable[list[str]]) -> Iterator[Parsed]:
    for n, cells in numbered_rows(header, rows):
        if isinstance(cells, RowError):
            yield cells
            continue
        try:
            yield customer_item(n, cells)
        except CellError as exc:
            yield RowError(n, exc.column, exc.message)


def parse_customers(
    header: list[str], rows: Iterable[list[str]]
) -> tuple[list[ParsedItem], list[RowError]]:
    return split(iter_customers(header, rows))
