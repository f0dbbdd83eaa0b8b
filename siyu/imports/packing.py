"""Checked models as plain values, for the spill file (``spill``).

Pickling a pydantic model runs its ``__getstate__`` / ``__setstate__`` in Python for every
model, and an order carries one model per line: that was about 8 us a line written and read
back, a sixth of a large order import (everything past the spill's memory budget goes
through it). Packed, a model is its class, its field values and the names it was given,
and a nested model its values in field order (a tuple), which pickle reads and
writes in C; unpacking builds each
model as ``model_construct`` would, without validating again (the check pass validated it
in this process a moment ago). A model this module does not know, or one carrying extra or
private values, is left as it is for pickle.
"""

from __future__ import annotations

import dataclasses
from operator import attrgetter, itemgetter
from typing import Any, TypeVar

from pydantic import BaseModel

from siyu.customers.batch_schemas import (
    IdentityItem,
    OrderItem,
    OrderLineItem,
    ProfileItem,
    RefundItem,
)
from siyu.imports.rows import ParsedItem

M = TypeVar("M", bound=BaseModel)
_set = object.__setattr__

# The fields holding lists of (leaf) models, and the leaf model of each, per model this
# module packs. Leaf models hold plain values only (a test checks these against the
# schemas).
NESTED: dict[type[BaseModel], dict[str, type[BaseModel]]] = {
    OrderItem: {"identities": IdentityItem, "lines": OrderLineItem, "refunds": RefundItem},
    ProfileItem: {"identities": IdentityItem},
}
LEAF_FIELDS = {leaf: tuple(leaf.model_fields) for fields in NESTED.values() for leaf in fields.values()}  # fmt: skip
_get = {leaf: itemgetter(*fields) for leaf, fields in LEAF_FIELDS.items()}


def built(model_type: type[M], values: dict[str, Any], given: set[str]) -> M:
    """What ``BaseModel.model_construct`` sets, without its per-field default handling."""
    model = model_type.__new__(model_type)
    _set(model, "__dict__", values)
    _set(model, "__pydantic_fields_set__", given)
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model


def _plain(model: BaseModel) -> bool:
    return model.__pydantic_extra__ is None and model.__pydantic_private__ is None


def _leaf(model: Any) -> Any:
    """A leaf model's values in field order (a tuple) when it was given every field, with
    the names it was given (a list of the two) when not; any other model as it is."""
    fields = LEAF_FIELDS.get(type(model))
    if fields is None or not _plain(model) or len(model.__dict__) != len(fields):
        return model
    values = _get[type(model)](model.__dict__)
    given = model.__pydantic_fields_set__
    return values if len(given) == len(fields) else [values, given]


def pack(model: BaseModel) -> Any:
    """Plain values pickle writes in C, or the model itself when it is not one we know."""
    nested = NESTED.get(type(model))
    if nested is None or not _plain(model):
        return model
    values = dict(model.__dict__)
    for name in nested:
        values[name] = [_leaf(v) for v in values[name]]
    return (type(model), values, model.__pydantic_fields_set__)


def unpack(packed: Any) -> Any:
    if type(packed) is not tuple:
        return packed
    model_type, values, given = packed
    for name, leaf in NESTED[model_type].items():
        fields = LEAF_FIELDS[leaf]
        models = []
        for v in values[name]:  # inline: a call per line was a tenth of this
            if type(v) is tuple:
                models.append(built(leaf, dict(zip(fields, v, strict=True)), set(fields)))
            elif type(v) is list:
                models.append(built(leaf, dict(zip(fields, v[0], strict=True)), v[1]))
            else:
                models.append(v)
        values[name] = models
    return built(model_type, values, given)


# A parsed item as the tuple of its fields (a dataclass pickles at twice the cost).
ITEM_FIELDS = tuple(f.name for f in dataclasses.fields(ParsedItem))
_item_values = attrgetter(*ITEM_FIELDS)


def pack_item(item: ParsedItem) -> tuple[Any, ...]:
    return _item_values(item)


def unpack_item(values: tuple[Any, ...]) -> ParsedItem:
    return ParsedItem(*values)
