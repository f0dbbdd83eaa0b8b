"""Assemble the builder's posted rows into the rule tree, and draw a rule tree as rows.
The per-condition values are read and written in builder.py."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from siyu.segments.builder import (
    GROUPS,
    KEY,
    LEAVES,
    MAX_NODES,
    BuilderError,
    Fields,
    Node,
    day_text,
    yuan_text,
)


def _rows(data: Fields) -> dict[int, tuple[int | None, str, int]]:
    """{number: (parent, kind, NOT count)} for every row posted."""
    numbers = sorted(int(m.group(1)) for k in data if (m := KEY.match(str(k))))
    if not numbers:
        raise BuilderError([(None, _("add at least one condition"))])
    if len(numbers) > MAX_NODES:
        raise BuilderError([(None, _("the rule has more than %(n)d rows") % {"n": MAX_NODES})])
    rows: dict[int, tuple[int | None, str, int]] = {}
    for i in numbers:
        parent_text = str(data.get(f"n{i}-parent", "") or "").strip()
        parent = int(parent_text) if parent_text.isdigit() else None
        negate_text = str(data.get(f"n{i}-not", "") or "0").strip()
        negate = int(negate_text) if negate_text.isdigit() and len(negate_text) < 2 else 0
        rows[i] = (parent, str(data.get(f"n{i}-kind", "")), negate)
    return rows


def fields_to_tree(data: Fields) -> dict[str, Any]:
    """The rule tree (JSON-ready) the builder's fields describe, or BuilderError."""
    rows = _rows(data)
    roots = [i for i, (parent, _kind, _n) in rows.items() if parent is None or parent not in rows]
    if len(roots) != 1:
        raise BuilderError([(None, _("the rule needs exactly one outer group"))])
    children: dict[int, list[int]] = {i: [] for i in rows}
    for i, (parent, _kind, _n) in rows.items():
        if parent is not None and parent in rows:
            children[parent].append(i)
    errors: list[tuple[int | None, str]] = []
    tree = _build(roots[0], rows, children, data, errors, set())
    if errors:
        raise BuilderError(errors)
    return tree


def _build(
    i: int,
    rows: dict[int, tuple[int | None, str, int]],
    children: dict[int, list[int]],
    data: Fields,
    errors: list[tuple[int | None, str]],
    seen: set[int],
) -> dict[str, Any]:
    seen.add(i)
    _parent, kind, negate = rows[i]
    if kind in GROUPS:
        kids = [c for c in children[i] if c not in seen]
        if not kids:
            errors.append((i, _("a group needs at least one condition")))
        node: dict[str, Any] = {
            "kind": kind,
            "rules": [_build(c, rows, children, data, errors, seen) for c in kids],
        }
    elif kind in LEAVES:
        try:
            node = LEAVES[kind](lambda name: [str(v) for v in data.getlist(f"n{i}-{kind}-{name}")])
        except ValueError as exc:
            errors.append((i, str(exc)))
            node = {"kind": kind}
    else:
        errors.append((i, _("choose a kind of condition")))
        node = {"kind": "and", "rules": []}
    for _n in range(negate):
        node = {"kind": "not", "rule": node}
    return node


# ---- tree → rows --------------------------------------------------------------------


def _leaf_values(leaf: dict[str, Any]) -> dict[str, list[str]]:
    kind = leaf["kind"]
    values: dict[str, list[str]] = {}
    for name, value in leaf.items():
        if name == "kind" or value is None:
            continue
        if isinstance(value, list):
            values[name] = [str(v) for v in value]
        elif isinstance(value, bool):
            values[name] = ["1" if value else "0"]
        elif name in ("after", "before"):
            moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
            values[name] = [day_text(moment)]
        else:
            values[name] = [str(value)]
    if kind == "profile" and leaf.get("field"):
        listed = [str(v) for v in leaf.get("values", [])]
        values.pop("values", None)
        values[str(leaf["field"])] = ["、".join(listed)] if leaf["field"] == "region" else listed
    if kind == "orders" and leaf.get("metric") == "monetary":
        values["value"] = [yuan_text(int(leaf["value"]))]
    return values


def tree_to_nodes(tree: dict[str, Any]) -> Node:
    """The rows the builder draws for a (valid) rule tree."""
    counter = iter(range(MAX_NODES * 10))

    def walk(node: dict[str, Any]) -> Node:
        negate = 0
        while node["kind"] == "not":
            negate, node = negate + 1, node["rule"]
        row = Node(next(counter), node["kind"], negate)
        if row.is_group:
            row.children = [walk(child) for child in node["rules"]]
        else:
            row.values = _leaf_values(node)
        return row

    return walk(tree)


def nodes_to_fields(root: Node) -> list[tuple[str, str]]:
    """The (name, value) pairs a browser would post for these rows."""
    pairs: list[tuple[str, str]] = []

    def walk(row: Node, parent: int | str | None) -> None:
        pairs.append((f"n{row.index}-parent", "" if parent is None else str(parent)))
        pairs.append((f"n{row.index}-kind", row.kind))
        if row.negate:
            pairs.append((f"n{row.index}-not", str(row.negate)))
        for name, values in row.values.items():
            pairs.extend((f"n{row.index}-{row.kind}-{name}", v) for v in values)
        for child in row.children:
            walk(child, row.index)

    walk(root, None)
    return pairs


def next_index(root: Node) -> int:
    """The first free row number (the builder's script numbers new rows from here)."""
    highest = -1
    stack = [root]
    while stack:
        row = stack.pop()
        if isinstance(row.index, int):
            highest = max(highest, row.index)
        stack.extend(row.children)
    return highest + 1
