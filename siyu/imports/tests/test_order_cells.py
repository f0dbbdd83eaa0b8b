"""The positional order parser yields exactly what the dict-per-row parser does."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from siyu.imports import order_cells, rows

AMOUNTS = ["5", "0", "1", "12.5", "12.50", "1,299.50", "¥68", "", "12.345", "abc", "-1"]
MOMENTS = ["2025-03-01 14:30", "2025/03/02 09:00", "2025-03-01T14:30+08:00", "yesterday"]
# Per column, mostly cells it accepts and some it does not.
POOLS = {
    "phone": ["13912345678", "13912345679", "", "12"],
    "taobao_buyer_id": ["tb1", "", " tb2 "],
    "platform": ["TaoBao", "taobao", "other", ""],
    "order_no": ["A1", "A2", " A1 ", ""],
    "paid_at": MOMENTS,
    "total_amount": AMOUNTS,
    "paid_amount": AMOUNTS,
    "sku": ["SKU", "商品", "", " s "],
    "product_name": ["咖啡豆", "", "x" * 201],
    "category": ["", "杂货"],
    "quantity": ["1", "2", "007", "", "0", "٣", "1234567890", "-1", "x"],
    "unit_price": AMOUNTS,
    "line_amount": AMOUNTS,
    "refund_no": ["RF1", "", "", "RF2"],
    "refund_amount": AMOUNTS,
    "refunded_at": MOMENTS,
    "store": ["", "", "上海店"],
    "": ["", "anything"],
}
REQUIRED = ["phone", "platform", "order_no", "paid_at", "paid_amount"]
LINE = ["sku", "product_name", "quantity", "unit_price", "line_amount"]
REFUND = ["refund_no", "refund_amount", "refunded_at"]
ANY_CELL = [cell for pool in POOLS.values() for cell in pool]


@st.composite
def files(draw: st.DrawFn) -> tuple[list[str], list[list[str]]]:
    """A header of order columns (usually with the ones an order needs, sometimes an
    unnamed or repeated one) and rows of cells drawn from each column's pool, some short,
    long or blank."""
    extra = draw(st.lists(st.sampled_from(list(POOLS)), max_size=6))
    for group in (REQUIRED, LINE, REFUND):
        if draw(st.integers(0, 3)):  # usually
            extra += group
    header = draw(st.permutations(extra))
    if not header:
        header = REQUIRED
    width = len(header)
    # Each cell often its column's first (accepted) value: most rows make orders.
    pools = [st.one_of(st.just(POOLS[c][0]), st.sampled_from(POOLS[c])) for c in header]
    good = st.tuples(*pools).map(list)
    odd = st.lists(st.sampled_from(ANY_CELL), max_size=width + 2)
    rows = draw(st.lists(st.one_of(good, good, good, odd), max_size=14))
    return header, rows


def both(header: list[str], cells: list[list[str]]) -> tuple[list[rows.Parsed], ...]:
    general = list(rows.iter_orders(header, [list(r) for r in cells]))
    return general, list(order_cells.iter_orders(header, [list(r) for r in cells]))


HEADER = ["phone", "platform", "order_no", "paid_at", "paid_amount", "sku", "quantity",
          "unit_price", "line_amount", "refund_no", "refund_amount", "refunded_at"]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(files())
@example((HEADER, [["13912345678", "x", "A1", "2025-03-01 14:30", "5", "S", "2", "1", "", "RF1", "1", "2025-03-02 10:00"]] * 3))  # fmt: skip
@example((["phone", "order_no", "sku", "order_no"], [["1", "A1", "S", "A2"], ["1", "A1", "S", "A2"]]))  # fmt: skip
def test_the_positional_parser_yields_what_the_dict_parser_does(
    file: tuple[list[str], list[list[str]]],
) -> None:
    general, positional = both(*file)
    assert positional == general


def test_remembered_amounts_are_the_parsed_ones() -> None:
    # The same texts again, after their first parse: the same values and the same errors.
    header = HEADER
    row = ["13912345678", "x", "A1", "2025-03-01 14:30", "5", "S", "2", "1,299.5", "", "", "", ""]
    bad = [*row[:6], "2", "12.345", "", "", "", ""]
    general, positional = both(header, [row, row, bad, row, bad])
    assert positional == general
    errors = [p for p in positional if isinstance(p, rows.RowError)]
    assert [(e.row, e.column) for e in errors] == [(4, "unit_price"), (6, "unit_price")]
    (item,) = [p for p in positional if isinstance(p, rows.ParsedItem)]
    assert [line["unit_price_fen"] for line in item.raw["lines"]] == [129950] * 3
