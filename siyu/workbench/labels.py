"""Names a rule's task title can use beyond the event's own properties: ``{material}``
is the title of the material whose id the event carries, when an app that knows
materials has registered a lookup (the lead wires the content library's here; the
workbench cannot import it, both sit in parallel layers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# property holding an id -> (name in the template, lookup id -> label)
LOOKUPS: dict[str, tuple[str, Callable[[int], str | None]]] = {}


def register_lookup(prop: str, name: str, lookup: Callable[[int], str | None]) -> None:
    LOOKUPS[prop] = (name, lookup)


def title_vars(properties: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        k: v
        for k, v in properties.items()
        if isinstance(v, int | float | str) and len(str(v)) <= 60
    }
    for prop, (name, lookup) in LOOKUPS.items():
        value = properties.get(prop)
        if isinstance(value, int) and not isinstance(value, bool):
            label = lookup(value)
            values[name] = label if label is not None else f"#{value}"
    if "material" not in values and isinstance(properties.get("material_id"), int):
        values["material"] = f"#{properties['material_id']}"
    return values
