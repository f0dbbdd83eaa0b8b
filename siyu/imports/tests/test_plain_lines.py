"""The plain-line check accepts only lines pydantic accepts, as the same model."""

from __future__ import annotations

from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from siyu.customers.batch_schemas import MAX_FEN, MAX_QUANTITY, OrderLineItem
from siyu.imports.plain_lines import plain_line, with_plain_lines

EDGY_TEXT = st.one_of(
    st.text(max_size=70),
    st.text(alphabet=st.sampled_from(["a", "商", " ", "\x00", "\ud800", "\u3000", "\x1c"])),
    st.sampled_from(["", " a", "a ", "x" * 64, "x" * 65, "y" * 200, "y" * 201, "z" * 101]),
)
EDGY_INT = st.one_of(
    st.integers(min_value=-2, max_value=MAX_FEN + 2),
    st.sampled_from([0, 1, MAX_QUANTITY, MAX_QUANTITY + 1, MAX_FEN, MAX_FEN + 1, True]),
)
EDGY = st.one_of(EDGY_TEXT, EDGY_INT, st.none(), st.floats(allow_nan=False, max_value=10))
LINE = st.fixed_dictionaries(
    {"sku": EDGY_TEXT, "product_name": EDGY_TEXT, "unit_price_fen": EDGY_INT, "paid_fen": EDGY_INT},
    optional={"category": st.one_of(EDGY_TEXT, EDGY), "quantity": EDGY_INT, "extra": EDGY},
)


def pydantic_line(line: dict[str, Any]) -> OrderLineItem | None:
    try:
        return OrderLineItem.model_validate(line)
    except ValidationError:
        return None


GOOD = {"sku": "S", "product_name": "P", "category": "", "quantity": 1}


@settings(max_examples=400, deadline=None)
@given(LINE)
@example({**GOOD, "quantity": 0, "unit_price_fen": 0, "paid_fen": 0})
@example({**GOOD, "quantity": MAX_QUANTITY + 1, "unit_price_fen": 0, "paid_fen": 0})
@example({**GOOD, "unit_price_fen": -1, "paid_fen": MAX_FEN})
@example({**GOOD, "unit_price_fen": 0, "paid_fen": MAX_FEN + 1})
def test_a_plain_line_is_exactly_what_pydantic_builds(line: dict[str, Any]) -> None:
    fast = plain_line(line)
    if fast is not None:
        slow = pydantic_line(line)
        assert slow is not None
        assert (fast, fast.model_fields_set) == (slow, slow.model_fields_set)


def test_the_lines_the_parser_writes_are_plain() -> None:
    line = {
        "sku": "BEAN",
        "product_name": "云南咖啡豆",
        "category": "",
        "quantity": 2,
        "unit_price_fen": 1500,
        "paid_fen": 3000,
    }
    assert plain_line(line) == OrderLineItem.model_validate(line)
    for bad in ({"quantity": 0}, {"sku": "a\x00"}, {"paid_fen": MAX_FEN + 1}, {"sku": " a"}):
        assert plain_line({**line, **bad}) is None
    raw = {"order_no": "A1", "lines": [line, {**line, "quantity": True}]}
    assert with_plain_lines(raw) is raw  # one line pydantic must judge: all go to pydantic
