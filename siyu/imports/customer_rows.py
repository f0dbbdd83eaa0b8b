"""Customer files: each row is one customer's identifiers and profile fields (the shape
of ``siyu.customers.batch_schemas``); the cell rules are in ``siyu.imports.rows``."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.utils.translation import gettext as _

from siyu.imports.columns import IDENTITY_COLUMNS
from siyu.imports.rows import (
    CellError,
    Parsed,
    ParsedItem,
    RowError,
    is_identity_column,
    numbered_rows,
    parse_moment,
    split,
)

GENDERS = {"女": "female", "男": "male", "未知": "unknown", "f": "female", "m": "male"}
LIST_SPLIT = re.compile(r"[|、;；]")
CUSTOMER_RENAMES = {"store": "org_unit", "owner": "primary_owner"}


def customer_item(row: int, cells: dict[str, str]) -> ParsedItem:
    # One pass over the cells for the identifiers (``rows.identities_of``) and the fields.
    identities: list[dict[str, str]] = []
    columns: list[str] = []
    raw: dict[str, Any] = {"identities": identities}
    read: list[tuple[str, str]] = []
    for column, value in cells.items():
        if not value:
            continue
        if is_identity_column(column):
            identities.append({"type": column, "value": value})
            columns.append(column)
            if column not in IDENTIFIER_FIELDS:
                continue
        name = CUSTOMER_RENAMES.get(column, column)
        raw[name] = value  # read below: a row without identifiers reports only that
        if column in VALUES:
            read.append((column, name))
    if not identities:
        raise CellError(IDENTITY_COLUMNS[0], _("the row has no identifier (phone, unionid …)"))
    for column, name in read:
        raw[name] = VALUES[column](raw[name])
    return ParsedItem(row, raw, columns, rows=[row])


# The columns whose cells are read, not taken as they stand.
VALUES: dict[str, Callable[[str], Any]] = {
    "gender": lambda value: GENDERS.get(value.lower(), value.lower()),
    "birthday": lambda value: value.replace("/", "-"),
    "first_seen_at": lambda value: parse_moment("first_seen_at", value),
    "interests": lambda value: [p.strip() for p in LIST_SPLIT.split(value) if p.strip()],
    "lifecycle_stage": str.lower,
    "spending_power": str.lower,
}
IDENTIFIER_FIELDS = frozenset({"phone", "email"})  # identifiers that are profile fields too


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
