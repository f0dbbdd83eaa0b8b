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


def iter_orders(header: list[str], rows: Iterable[list[str]]) -> Iterator[Parsed]:
    """What ``rows.iter_orders`` yields, each line row read by position."""
    # A repeated name: its last column, as in the row's dict.
    position = {column: i for i, column in enumerate(header) if column}
    # A column the file lacks reads the blank cell appended to every row.
    at = [position.get(c, -1) for c in ("platform", "order_no", *LINE_COLUMNS, *REFUND_COLUMNS)]
    key_cells, line_cells, refund_cells = (
        itemgetter(*at[:2]),
        itemgetter(*at[2:8]),
        itemgetter(*at[8:]),
    )
    amount, count = _Values(parse_amount, PLAIN_AMOUNT), _Values(parse_int, WHOLE_NUMBER)
    current: ParsedItem | None = None
    current_key: tuple[str, str] | None = None
    seen: set[tuple[str, str]] = set()
    for n, cells in numbered_cells(header, rows):
        if isinstance(cells, RowError):
            yield cells
            continue
        cells.append("")
        platform, order_no = key_cells(cells)
        key = (platform.lower(), order_no)
        if key != current_key:
            if current is not None:
                yield current
            current, current_key = None, key
        try:
            item = current
            if item is None:
                item = order_head(n, cells_by_name(header, cells))  # the blank is past the header
                item.continuation = key in seen
            line = line_of(*line_cells(cells), amount=amount, count_of=count)
            add_parsed(item, n, line, refund_of(*refund_cells(cells), parse=amount))
        except CellError as exc:
            yield RowError(n, exc.column, exc.message)
            continue
        current = item
        seen.add(key)
    if current is not None:
        yield current
