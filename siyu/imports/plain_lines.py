"""Order lines checked without a pydantic model per line.

An order's lines are most of an import's cells, and validating each line dict with
``OrderLineItem`` was a quarter of an order import's time. The rows parser already hands
over exactly the line's six keys with stripped text and integers, so a line is accepted
here when it plainly satisfies every constraint of ``OrderLineItem`` (lengths, no NUL,
encodable text, integer ranges), and built as that model without running its validator.
A line that does not is left to pydantic: the order is then validated as before, so every
message (translated, naming row and column) is exactly the one pydantic's check gives.
"""

from __future__ import annotations

from typing import Any

from siyu.customers.batch_schemas import MAX_FEN, MAX_QUANTITY, OrderLineItem

LINE_KEYS = frozenset(OrderLineItem.model_fields)
_set = object.__setattr__


def _text(value: Any, low: int, high: int) -> bool:
    return type(value) is str and low <= len(value) <= high and value.strip() == value


def _fen(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_FEN


def is_plain(line: Any) -> bool:
    """Whether the line passes every check of the schema as it stands."""
    if type(line) is not dict or line.keys() != LINE_KEYS:
        return False
    sku, name, category = line["sku"], line["product_name"], line["category"]
    quantity = line["quantity"]
    if not (
        _text(sku, 1, 64)
        and _text(name, 1, 200)
        and _text(category, 0, 100)
        and type(quantity) is int
        and 0 < quantity <= MAX_QUANTITY
        and _fen(line["unit_price_fen"])
        and _fen(line["paid_fen"])
    ):
        return False
    text = sku + name + category
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def plain_line(line: Any) -> OrderLineItem | None:
    """The line as an ``OrderLineItem`` when it passes every check of the schema as it
    stands, else None (the line goes to pydantic)."""
    if not is_plain(line):
        return None
    model = OrderLineItem.__new__(OrderLineItem)
    # What ``BaseModel.model_construct`` sets, without its per-field default handling
    # (every field is given): a quarter of its cost.
    _set(model, "__dict__", dict(line))
    _set(model, "__pydantic_fields_set__", set(LINE_KEYS))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def with_plain_lines(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` with its lines already built when every one of them is plain; else ``raw``
    itself (pydantic checks the lines and names what is wrong)."""
    lines = raw.get("lines")
    if type(lines) is not list or not lines:
        return raw
    built = []
    for line in lines:
        model = plain_line(line)
        if model is None:
            return raw
        built.append(model)
    return {**raw, "lines": built}
