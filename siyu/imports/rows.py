"""Turning CSV rows into batch items (the shapes in ``siyu.customers.batch_schemas``).

Cells humans type differently from machines are normalised here: amounts in yuan become
integer fen, local times become aware datetimes in the brand's zone, 女/男 become gender
codes. Anything that cannot be read becomes a row error naming the column; the batch
checks then apply the same rules the HTTP API does.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.customers.batch_schemas import MAX_ORDER_LINES
from siyu.customers.identity_rules import CUSTOM_TYPE
from siyu.imports.columns import IDENTITY_COLUMNS

MAX_YUAN = Decimal(10**10)
PLAIN_AMOUNT = re.compile(r"([0-9]{1,10})(?:\.([0-9]{1,2}))?")
WHOLE_NUMBER = re.compile(r"\d{1,9}")
ORDER_LEVEL = ("platform", "order_no", "paid_at", "total_amount", "paid_amount", "store")


class CellError(ValueError):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ParsedItem:
    row: int  # first spreadsheet row of the item (header is row 1)
    raw: dict[str, Any]
    identity_columns: list[str] = field(default_factory=list)
    line_rows: list[int] = field(default_factory=list)
    refund_rows: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)
    continuation: bool = False  # a later run of rows of an order already seen in the file
    # Lazy orders (``lazy_orders``): the digest of the order's rows, and until its lines
    # are parsed (``lazy_orders.expand``) the header and the rows themselves; such an item
    # holds its first line only.
    digest: str = ""
    source: Any = None


def numbered_cells(
    header: list[str], rows: Iterable[list[str]]
) -> Iterator[tuple[int, list[str] | RowError]]:
    """Each non-blank row as its stripped cells (at least one per column of the header),
    or a RowError when its shape is wrong: a row with more cells than the header would
    silently lose the extras, a short one would read its last columns as empty. Blank
    trailing cells (Excel writes them) are not extras."""
    width = len(header)
    for n, raw_cells in enumerate(rows, start=2):
        cells = list(map(str.strip, raw_cells))  # stripped once, for every check below
        if not any(cells):
            continue
        if len(cells) > width and any(cells[width:]):
            message = _(
                "the row has %(cells)d cells but the header has %(columns)d columns; "
                "remove the extra cells or add their column names"
            ) % {"cells": len(cells), "columns": len(header)}
            yield n, RowError(n, _("(whole row)"), message)
            continue
        if len(cells) < width:
            message = _(
                "the row is short: it has %(cells)d cells but the header has %(columns)d "
                "columns (the first missing one is %(column)s)"
            ) % {"cells": len(cells), "columns": len(header), "column": header[len(cells)]}
            yield n, RowError(n, header[len(cells)], message)
            continue
        yield n, cells


def cells_by_name(header: list[str], cells: list[str]) -> dict[str, str]:
    """A row's cells as {column: cell}; unnamed columns left out."""
    if all(header):  # every column named: cells map to the header as they stand
        return dict(zip(header, cells, strict=False))
    return {col: cells[i] for i, col in enumerate(header) if col}


def numbered_rows(
    header: list[str], rows: Iterable[list[str]]
) -> Iterator[tuple[int, dict[str, str] | RowError]]:
    """Each non-blank row as {column: cell}, or a RowError (``numbered_cells``)."""
    for n, cells in numbered_cells(header, rows):
        yield n, cells if isinstance(cells, RowError) else cells_by_name(header, cells)


def parse_amount(column: str, text: str) -> int:
    """Yuan with at most two decimals ("1,299.50", "¥68") to integer fen.

    The rule for more decimals (unit prices of wholesale goods, 0.165) is to refuse, not to
    round: a rounded unit price no longer multiplies out to the amount paid, and which
    rounding the shop used is not ours to guess. The message says so and how to fix it."""
    plain = PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:  # the common "68" / "1299.5": no Decimal needed
        whole, cents = plain.groups()
        return int(whole) * 100 + (int(cents.ljust(2, "0")) if cents else 0)
    cleaned = text.replace(",", "").lstrip("¥￥").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise CellError(
            column,
            _("not an amount in yuan: %(value)s (write e.g. 68 or 1299.50)") % {"value": text},
        ) from None
    if not value.is_finite() or abs(value) >= MAX_YUAN:
        raise CellError(column, _("not an amount in yuan: %(value)s") % {"value": text})
    if value != value.quantize(Decimal("0.01")):
        raise CellError(
            column,
            _(
                "%(value)s has more than two decimals: amounts are yuan with at most two "
                "decimals (fen). Round it to the fen in the file, or give the line's "
                "line_amount and a unit_price rounded to the fen"
            )
            % {"value": text},
        )
    return int(value * 100)


def parse_moment(column: str, text: str) -> str:
    try:
        moment = datetime.fromisoformat(text.replace("/", "-"))
    except ValueError:
        raise CellError(
            column, _("not a date and time (use 2025-03-01 14:30): %(value)s") % {"value": text}
        ) from None
    if timezone.is_naive(moment):
        # Spreadsheets carry local wall-clock time: read it in the brand's zone.
        moment = timezone.make_aware(moment)
    return moment.isoformat()


def parse_int(column: str, text: str) -> int:
    if not WHOLE_NUMBER.fullmatch(text):
        raise CellError(column, _("not a whole number: %(value)s") % {"value": text})
    return int(text)


@functools.cache
def is_identity_column(column: str) -> bool:
    """The identity types the API accepts: the built-in ones and custom ``x_…`` types."""
    return column in IDENTITY_COLUMNS or bool(CUSTOM_TYPE.match(column))


def identities_of(cells: dict[str, str]) -> tuple[list[dict[str, str]], list[str]]:
    found = [(col, value) for col, value in cells.items() if value and is_identity_column(col)]
    return [{"type": col, "value": value} for col, value in found], [col for col, _v in found]


Parsed = ParsedItem | RowError


def split(parsed: Iterable[Parsed]) -> tuple[list[ParsedItem], list[RowError]]:
    items: list[ParsedItem] = []
    errors: list[RowError] = []
    for p in parsed:
        (errors if isinstance(p, RowError) else items).append(p)  # type: ignore[arg-type]
    return items, errors


def order_head(row: int, cells: dict[str, str]) -> ParsedItem:
    identities, columns = identities_of(cells)
    if not identities:
        raise CellError(IDENTITY_COLUMNS[0], _("the row has no identifier (phone, unionid …)"))
    paid = parse_amount("paid_amount", cells.get("paid_amount", ""))
    total_text = cells.get("total_amount", "")
    raw: dict[str, Any] = {
        "identities": identities,
        "platform": cells.get("platform", "").lower(),
        "order_no": cells.get("order_no", ""),
        "paid_at": parse_moment("paid_at", cells.get("paid_at", "")),
        "paid_fen": paid,
        "total_fen": parse_amount("total_amount", total_text) if total_text else paid,
        "lines": [],
        "refunds": [],
    }
    if cells.get("store"):
        raw["store"] = cells["store"]
    return ParsedItem(row, raw, columns, rows=[row])


def add_line_and_refund(item: ParsedItem, row: int, cells: dict[str, str]) -> None:
    add_parsed(item, row, order_line(cells), order_refund(cells))


def add_parsed(
    item: ParsedItem, row: int, line: dict[str, Any] | None, refund: dict[str, Any] | None
) -> None:
    """A row's line and refund (each None when the row has none) added to its order."""
    if line is not None:
        if item.continuation:
            raise CellError(
                "order_no",
                _(
                    "the lines of order %(order)s must be on consecutive rows; it started "
                    "on row %(row)d (refund rows may come later)"
                )
                % {"order": item.raw["order_no"], "row": item.row},
            )
        if len(item.raw["lines"]) >= MAX_ORDER_LINES:
            raise CellError(
                "sku",
                _("order %(order)s has more than %(limit)d lines, the limit per order")
                % {"order": item.raw["order_no"], "limit": MAX_ORDER_LINES},
            )
        item.raw["lines"].append(line)
        item.line_rows.append(row)
    if refund is not None:
        add_refund(item, row, refund)
    if item.rows[-1] != row:  # rows come in file order: only the last can be this one
        item.rows.append(row)


def add_refund(item: ParsedItem, row: int, refund: dict[str, Any]) -> None:
    # Exports often repeat an order's refund on every line row: the same refund again is
    # one refund; the same number with another amount or time is a contradiction.
    for n, known in enumerate(item.raw["refunds"]):
        if known["refund_no"] != refund["refund_no"]:
            continue
        if known != refund:
            raise CellError(
                "refund_no",
                _(
                    "refund %(refund)s appears again with another amount or time (first on "
                    "row %(row)d); a refund number is unique per order"
                )
                % {"refund": refund["refund_no"], "row": item.refund_rows[n]},
            )
        return
    item.raw["refunds"].append(refund)
    item.refund_rows.append(row)


def order_line(cells: dict[str, str]) -> dict[str, Any] | None:
    return line_of(*(cells.get(column, "") for column in LINE_COLUMNS))


# The cells ``line_of`` and ``refund_of`` read, in the order of their parameters.
LINE_COLUMNS = ("sku", "product_name", "category", "quantity", "unit_price", "line_amount")
REFUND_COLUMNS = ("refund_no", "refund_amount", "refunded_at")


def line_of(
    sku: str,
    name: str,
    category: str,
    quantity: str,
    unit_price: str,
    line_amount: str,
    *,
    amount: Callable[[str, str], int] = parse_amount,
    count_of: Callable[[str, str], int] = parse_int,
) -> dict[str, Any] | None:
    """The order line of a row's cells (missing columns are ""), None if it has none.
    ``amount`` and ``count_of`` parse the cells (order_cells passes remembering ones)."""
    if not (sku or name):
        return None
    count = count_of("quantity", quantity or "1")
    unit = amount("unit_price", unit_price or "0")
    return {
        "sku": sku or name,
        "product_name": name or sku,
        "category": category,
        "quantity": count,
        "unit_price_fen": unit,
        "paid_fen": amount("line_amount", line_amount) if line_amount else unit * count,
    }


def order_refund(cells: dict[str, str]) -> dict[str, Any] | None:
    return refund_of(*(cells.get(column, "") for column in REFUND_COLUMNS))


def refund_of(
    refund_no: str,
    amount: str,
    refunded_at: str,
    *,
    parse: Callable[[str, str], int] = parse_amount,
) -> dict[str, Any] | None:
    if not refund_no:
        return None
    return {
        "refund_no": refund_no,
        "amount_fen": parse("refund_amount", amount),
        "refunded_at": parse_moment("refunded_at", refunded_at),
    }


def iter_orders(header: list[str], rows: Iterable[list[str]]) -> Iterator[Parsed]:
    """One item per run of consecutive rows with the same (platform, order_no), streamed:
    the file is never held. Refund rows of an order may come later in the file; they form
    a further item for the same order, which adds its refunds."""
    current: ParsedItem | None = None
    current_key: tuple[str, str] | None = None
    seen: set[tuple[str, str]] = set()
    for n, cells in numbered_rows(header, rows):
        if isinstance(cells, RowError):
            yield cells
            continue
        key = (cells.get("platform", "").lower(), cells.get("order_no", ""))
        if key != current_key:
            if current is not None:
                yield current
            current, current_key = None, key
        try:
            item = current
            if item is None:
                item = order_head(n, cells)
                item.continuation = key in seen
            add_line_and_refund(item, n, cells)
        except CellError as exc:
            yield RowError(n, exc.column, exc.message)
            continue
        current = item
        seen.add(key)
    if current is not None:
        yield current


def parse_orders(
    header: list[str], rows: Iterable[list[str]]
) -> tuple[list[ParsedItem], list[RowError]]:
    return split(iter_orders(header, rows))


ORDER_FIELD_COLUMNS = {
    "total_fen": "total_amount",
    "paid_fen": "paid_amount",
    "unit_price_fen": "unit_price",
    "amount_fen": "refund_amount",
    "org_unit": "store",
    "primary_owner": "owner",
}


def locate(item: ParsedItem, path: str) -> tuple[int, str]:
    """Spreadsheet row and column for a batch error path like ``lines.1.quantity``."""
    parts = path.split(".")
    head = parts[0]
    index = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    leaf = parts[2] if len(parts) > 2 else head
    if head == "identities" and index is not None and index < len(item.identity_columns):
        return item.row, item.identity_columns[index]
    if head == "identities" and item.identity_columns:
        return item.row, item.identity_columns[0]
    if head == "lines" and index is not None and index < len(item.line_rows):
        column = "line_amount" if leaf == "paid_fen" else ORDER_FIELD_COLUMNS.get(leaf, leaf)
        return item.line_rows[index], column
    if head == "refunds" and index is not None and index < len(item.refund_rows):
        return item.refund_rows[index], ORDER_FIELD_COLUMNS.get(leaf, leaf)
    return item.row, ORDER_FIELD_COLUMNS.get(head, head)
