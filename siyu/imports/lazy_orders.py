"""Order files parsed lazily: an order's lines are read only when something needs them.

An identical re-run of an order file spent most of its time parsing lines (two fifths)
and comparing them with the stored ones, to find every order unchanged. Here each order
(a run of consecutive rows with one platform and number) is first read only as far as
the comparison with the stored order needs: its head (identifiers, amounts, time), its
first row in full and every row's refund. Its lines stay as the rows' cells (``source``)
with a digest of those cells (``digest``). The bulk writer stores the digest with an
order it creates from such rows (``Order.import_digest``); a later file whose rows have
the same digest has the same lines, so ``unchanged`` compares the head and refunds and
takes the lines on the digest's word. Everything else expands the item
(``expand``): its lines are parsed then, by the same parser, and the result is what
``order_cells.iter_orders`` gives for those rows (a hypothesis test checks it).

The digest covers the header, the zone naive times are read in and a version of these
rules, so the same cells read differently never match. It vouches for the lines only
while the order is as the import created it (``created_at = updated_at``): the verbs
save the order whenever they correct it or add a refund.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator

from django.utils import timezone

from siyu.customers.batch_schemas import MAX_ORDER_LINES
from siyu.imports.order_cells import OrderCells, padded
from siyu.imports.rows import (
    CellError,
    Parsed,
    ParsedItem,
    RowError,
    add_parsed,
    add_refund,
    numbered_cells,
)

# Changed whenever the parsing of an order's rows changes what it stores.
RULES_VERSION = "1"
CELL, ROW = "\x1f", "\x1e"  # ASCII's unit and record separators
_parsers: dict[tuple[str, ...], OrderCells] = {}


def _parser(header: list[str]) -> OrderCells:
    key = tuple(header)
    if key not in _parsers:
        if len(_parsers) >= 8:
            _parsers.clear()
        _parsers[key] = OrderCells(header)
    return _parsers[key]


def iter_lazy_orders(header: list[str], rows: Iterable[list[str]]) -> Iterator[Parsed]:
    """``order_cells.iter_orders``'s entries, with each order whose first row parses and
    whose rows all come together (not a continuation) as a lazy item."""
    parser = _parser(header)
    context = "\x1f".join([RULES_VERSION, timezone.get_current_timezone_name(), *header])
    seen: set[tuple[str, str]] = set()
    group: list[tuple[int, list[str]]] = []
    group_key: tuple[str, str] | None = None
    for n, cells in padded(numbered_cells(header, rows)):
        if isinstance(cells, RowError):
            # Yielded at once, as the eager parser does (the order is yielded at its end).
            yield cells
            continue
        key = parser.key(cells)
        if key != group_key and group:
            yield from _order(parser, group, seen, context)
            group = []
        group_key = key
        group.append((n, cells))
    if group:
        yield from _order(parser, group, seen, context)


def _order(
    parser: OrderCells,
    group: list[tuple[int, list[str]]],
    seen: set[tuple[str, str]],
    context: str,
) -> Iterator[Parsed]:
    key = parser.key(group[0][1])
    item = None if key in seen else _lazy(parser, group, context)
    if item is None:
        yield from parser.parse(group, seen)
        return
    seen.add(key)  # the first row made the order, as in the eager parser
    yield item


def _lazy(
    parser: OrderCells, group: list[tuple[int, list[str]]], context: str
) -> ParsedItem | None:
    """The order of ``group`` with its first line and every refund, or None when the
    eager parser would report something on the way (it then parses the group)."""
    first, cells = group[0]
    try:
        item = parser.head(first, cells)
        add_parsed(item, first, parser.line(cells), parser.refund(cells))
        for n, later in group[1:]:
            refund = parser.refund(later)
            if refund is not None:
                add_refund(item, n, refund)
            item.rows.append(n)
    except CellError:
        return None
    # The rows as one text, cells and rows each joined by a separator no cell holds:
    # digested in one call, and what a lazy item set apart keeps of its rows (``compact``).
    text = ROW.join(map(CELL.join, (row for _n, row in group)))
    separators = sum(len(row) - 1 for _n, row in group)
    if text.count(CELL) != separators or text.count(ROW) != len(group) - 1:
        return None  # a cell holds a separator: parsed as it comes
    digest = hashlib.blake2b(context.encode(), digest_size=16)
    digest.update(text.encode())
    item.digest = digest.hexdigest()
    item.source = (parser.header, [n for n, _row in group], [row for _n, row in group], text)
    return item


def compact(item: ParsedItem) -> None:
    """A lazy item kept for the write pass holds its rows as their one text: the spill
    file writes a string an order in one go, where a list a row was a tenth of a re-run."""
    if item.source is not None:
        header, numbers, _rows, text = item.source
        item.source = (header, numbers, None, text)


def expand(item: ParsedItem) -> list[Parsed]:
    """A lazy item's entries as ``order_cells.iter_orders`` gives them for its rows (an
    item as it is otherwise). The digest stays only on an order that took every row."""
    if item.source is None:
        return [item]
    header, numbers, rows, text = item.source
    item.source = None
    if rows is None:
        rows = [row.split(CELL) for row in text.split(ROW)]
    parser = _parser(header)
    # The head, the first line and every refund were read without a problem: when every
    # other line reads too, the eager parser adds exactly these lines to exactly that.
    try:
        lines = [parser.line(cells) for cells in rows[1:]]
    except CellError:
        return _afresh(parser, numbers, rows, item.digest)
    found = [(n, line) for n, line in zip(numbers[1:], lines, strict=True) if line is not None]
    if len(item.raw["lines"]) + len(found) > MAX_ORDER_LINES:
        return _afresh(parser, numbers, rows, item.digest)
    item.raw["lines"].extend(line for _n, line in found)
    item.line_rows.extend(n for n, _line in found)
    return [item]


def _afresh(
    parser: OrderCells, numbers: list[int], rows: list[list[str]], digest: str
) -> list[Parsed]:
    """The eager parser's entries for the rows (it was not a continuation)."""
    found = list(parser.parse(zip(numbers, rows, strict=True), set()))
    if len(found) == 1 and isinstance(found[0], ParsedItem):
        found[0].digest = digest
    return found


def expand_all(items: Iterable[ParsedItem]) -> tuple[list[ParsedItem], list[RowError]]:
    """Every item expanded: (the items, the row errors their rows gave)."""
    expanded: list[ParsedItem] = []
    errors: list[RowError] = []
    for item in items:
        for entry in expand(item):
            if isinstance(entry, RowError):
                errors.append(entry)
            else:
                expanded.append(entry)
    return expanded, errors
