"""Every operation of the assembled API (kept apart from ``clients`` so that tests of other
apps importing a client do not import the whole API and its integrations)."""

from __future__ import annotations

from typing import Any

from siyu.api import api


def api_operations() -> list[tuple[str, Any]]:
    """Every (path, ninja operation) the assembled API serves."""
    found: list[tuple[str, Any]] = []
    for _prefix, router in api._routers:
        for path, view in router.path_operations.items():
            found.extend((path, op) for op in view.operations)
    return found
