"""Packed for the spill file and unpacked, a checked model is the same model: same class,
values (with their types) and given fields, nested models included."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import UTC, datetime
from typing import Any, get_args

from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from siyu.customers.batch_schemas import (
    IdentityItem,
    OrderItem,
    OrderLineItem,
    ProfileItem,
    RefundItem,
)
from siyu.imports.packing import (
    ITEM_FIELDS,
    LEAF_FIELDS,
    NESTED,
    pack,
    pack_item,
    unpack,
    unpack_item,
)
from siyu.imports.rows import ParsedItem
from siyu.imports.tests.test_plain_profiles import shape

CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
TEXT = st.text(CHARS, max_size=8).map(str.strip)
NONBLANK = st.text(CHARS, min_size=1, max_size=8).map(str.strip).filter(bool)
IDENTITY = st.builds(
    lambda t, v, ns, full: (
        IdentityItem(type=t, value=v, namespace=ns) if full else IdentityItem(type=t, value=v)
    ),
    st.sampled_from(["phone", "taobao_buyer_id", "x_member"]),
    NONBLANK,
    st.sampled_from(["", "shop1"]),
    st.booleans(),
)
FEN = st.integers(min_value=0, max_value=10**6)
LINE = st.builds(
    lambda sku, name, cat, qty, unit, paid, with_category: OrderLineItem(
        sku=sku, product_name=name, quantity=qty, unit_price_fen=unit, paid_fen=paid,
        **({"category": cat} if with_category else {}),
    ),
    NONBLANK,
    NONBLANK,
    TEXT,
    st.integers(min_value=1, max_value=99),
    FEN,
    FEN,
    st.booleans(),
)  # fmt: skip
# hypothesis takes naive bounds and adds the zone.
MOMENT = st.datetimes(
    min_value=datetime(2001, 1, 1),  # noqa: DTZ001
    max_value=datetime(2099, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
REFUND = st.builds(
    lambda no, amount, at: RefundItem(refund_no=no, amount_fen=amount, refunded_at=at),
    NONBLANK,
    st.integers(min_value=1, max_value=10**6),
    MOMENT,
)


@st.composite
def orders(draw: Any) -> OrderItem:
    fields: dict[str, Any] = {
        "identities": draw(st.lists(IDENTITY, min_size=1, max_size=3)),
        "platform": draw(st.sampled_from(["taobao", "jd", "other"])),
        "order_no": draw(NONBLANK),
        "paid_at": draw(MOMENT),
        "total_fen": draw(FEN),
        "paid_fen": draw(FEN),
    }
    for name, strategy in (
        ("lines", st.lists(LINE, max_size=4)),
        ("refunds", st.lists(REFUND, max_size=2)),
        ("store", st.one_of(st.none(), NONBLANK)),
    ):
        if draw(st.booleans()):
            fields[name] = draw(strategy)
    return OrderItem(**fields)


PROFILES = st.builds(
    lambda ids, name, gender, stage: ProfileItem(
        identities=ids,
        **{k: v for k, v in (("display_name", name), ("gender", gender),
                             ("lifecycle_stage", stage)) if v is not None},
    ),
    st.lists(IDENTITY, min_size=1, max_size=3),
    st.one_of(st.none(), TEXT),
    st.one_of(st.none(), st.sampled_from(["female", "male"])),
    st.one_of(st.none(), st.sampled_from(["new", "active"])),
)  # fmt: skip


def round_trip(model: BaseModel) -> Any:
    return unpack(pickle.loads(pickle.dumps(pack(model), protocol=pickle.HIGHEST_PROTOCOL)))  # noqa: S301


@settings(max_examples=300, deadline=None)
@given(st.one_of(orders(), PROFILES))
def test_a_packed_model_comes_back_the_same(model: BaseModel) -> None:
    back = round_trip(model)
    assert back == model
    assert shape(back) == shape(model)
    assert back.model_dump() == model.model_dump()
    for name in NESTED[type(model)]:
        for old, new in zip(getattr(model, name), getattr(back, name), strict=True):
            assert old.model_fields_set == new.model_fields_set


def test_every_nested_model_field_is_known_and_leaves_hold_plain_values() -> None:
    for model_type, nested in NESTED.items():
        for name, info in model_type.model_fields.items():
            models = [a for a in get_args(info.annotation) if isinstance(a, type)]
            if any(issubclass(a, BaseModel) for a in models) or name in nested:
                assert nested.get(name) in models, name
    for leaf, fields in LEAF_FIELDS.items():
        assert fields == tuple(leaf.model_fields)
        for info in leaf.model_fields.values():
            assert not any(
                isinstance(a, type) and issubclass(a, BaseModel) for a in get_args(info.annotation)
            )


def test_a_model_it_does_not_know_is_left_to_pickle() -> None:
    line = OrderLineItem(sku="S", product_name="P", quantity=1, unit_price_fen=1, paid_fen=1)
    assert pack(line) is line
    assert unpack(line) is line


def test_a_packed_parsed_item_comes_back_the_same() -> None:
    item = ParsedItem(
        5, {"order_no": "A1", "lines": [{"sku": "S"}]}, ["phone"], [5, 6], [6], [5, 6], True
    )
    back = unpack_item(pickle.loads(pickle.dumps(pack_item(item))))  # noqa: S301
    assert back == item
    assert [f.name for f in dataclasses.fields(ParsedItem)] == list(ITEM_FIELDS)
