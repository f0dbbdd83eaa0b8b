"""Order rows parsed from their cell lists: the parser the import runs.

``rows.iter_orders`` reads each row as a {column: cell} dict, and building that dict for
every line row, then looking each cell up by name, was most of the parsing of an order
file (parsing was two fifths of an identical re-run). An order's head (its identifiers,
amounts and time, once per order) is still read from the dict, by the same function;
each line and refund reads just its cells, by position, through the same rules
(``rows.line_of``, ``rows.refund_of``, ``rows.add_parsed``). Amounts and quantities
repeat across an order file ("12.50", "2"): the value of a plainly written one is
remembered for the running import, so each is parsed once. The tests compare this
parser with ``rows.iter_orders``, items and errors alike.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter
from typing import Any

from siyu.imports.rows import (
    LINE_COLUMNS,
    PLAIN_AMOUNT,
    REFUND_COLUMNS,
    WHOLE_NUMBER,
    CellError,
    Parsed,
    ParsedItem,
    RowError,
    add_parsed,
    cells_by_name,
    line_of,
    numbered_cells,
    order_head,
    parse_amount,
    parse_int,
    refund_of,
)

MAX_REMEMBERED = 50_000  # cell texts per cache (a few MB)


class _Values:
    """The parsed value of each plainly written text seen, bounded: text -> fen or count."""

    def __init__(self, parse: Callable[[str, str], int], plain: Any) -> None:
        self.known: dict[str, int] = {}
        self.parse = parse
        self.plain = plain

    def __call__(self, column: str, text: str) -> int:
        found = self.known.get(text)
        if found is not None:
            return found
        value = self.parse(column, text)  # raises for what cannot be read, as ever
        # Only texts whose value does not depend on the column (no error to name it).
        if self.plain.fullmatch(text) is not None:
            if len(self.known) >= MAX_REMEMBERED:
                self.known.clear()
            self.known[text] = value
        return value


class OrderCells:
    """What parsing one file's order rows needs of its header: each cell's position and
    the amounts and counts remembered so far. The orders already seen are the caller's
    (``parse``'s ``seen``): one file's rows may be parsed in several calls."""

    def __init__(self, header: list[str]) -> None:
        self.header = header
        # A repeated name: its last column, as in the row's dict.
        position = {column: i for i, column in enumerate(header) if column}
        # A column the file lacks reads the blank cell appended to every row (``padded``).
        at = [position.get(c, -1) for c in ("platform", "order_no", *LINE_COLUMNS, *REFUND_COLUMNS)]  # fmt: skip
        self.key_cells = itemgetter(*at[:2])
        self.line_cells = itemgetter(*at[2:8])
        self.refund_cells = itemgetter(*at[8:])
        self.amount = _Values(parse_amount, PLAIN_AMOUNT)
        self.count = _Values(parse_int, WHOLE_NUMBER)

    def key(self, cells: list[str]) -> tuple[str, str]:
        platform, order_no = self.key_cells(cells)
        return (platform.lower(), order_no)

    def head(self, row: int, cells: list[str]) -> ParsedItem:
        return order_head(row, cells_by_name(self.header, cells))  # the blank is past it

    def line(self, cells: list[str]) -> dict[str, Any] | None:
        return line_of(*self.line_cells(cells), amount=self.amount, count_of=self.count)

    def refund(self, cells: list[str]) -> dict[str, Any] | None:
        return refund_of(*self.refund_cells(cells), parse=self.amount)

    def parse(
        self, numbered: Iterable[tuple[int, list[str] | RowError]], seen: set[tuple[str, str]]
    ) -> Iterator[Parsed]:
        """The items and row errors of ``padded`` rows; ``seen`` (the keys of the orders
        met earlier in the file) is updated."""
        current: ParsedItem | None = None
        current_key: tuple[str, str] | None = None
        for n, cells in numbered:
            if isinstance(cells, RowError):
                yield cells
                continue
            key = self.key(cells)
            if key != current_key:
                if current is not None:
                    yield current
                current, current_key = None, key
            try:
                item = current
                if item is None:
                    item = self.head(n, cells)
                    item.continuation = key in seen
                add_parsed(item, n, self.line(cells), self.refund(cells))
            except CellError as exc:
                yield RowError(n, exc.column, exc.message)
                continue
            current = item
            seen.add(key)
        if current is not None:
            yield current


def padded(
    numbered: Iterable[tuple[int, list[str] | RowError]],
) -> Iterator[tuple[int, list[str] | RowError]]:
    """Each row's cells with a blank one appended: the cell of every column it lacks."""
    for n, cells in numbered:
        if not isinstance(cells, RowError):
            cells.append("")
        yield n, cells


def iter_orders(header: list[str], rows: Iterable[list[str]]) -> Iterator[Parsed]:
    """What ``rows.iter_orders`` yields, each line row read by position."""
    return OrderCells(header).parse(padded(numbered_cells(header, rows)), set())
