"""The action registry: what an action step does, per kind.

A handler takes one ``Batch`` (every enrollment that reached the same step of the same
version in one claimed batch) and returns a ``Result`` per enrollment id it did not simply
do (missing ids count as done). It runs inside the engine's transaction, so its rows
commit with the step's effect rows and the transitions, or not at all; it must not call
the network (write an outbox row instead). ``Item.key`` names the enrollment's visit of
the step; a handler that writes through an idempotent verb passes it on.

The built-in kinds register themselves from the app (siyu/journeys/builtin.py). The lead
wires the two that live in parallel apps::

    register("task", handler)      # → siyu.workbench.tasks.create_task(source="journey",
                                   #     source_key=item.key, …)
    register("material", handler)  # → siyu.content.render.render_material + send

A kind without a handler is recorded as skipped (``no_handler``) and the journey goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Kinds that message the customer: the global control group and the holdout get none.
MESSAGING = frozenset({"send", "material"})


@dataclass(frozen=True)
class Item:
    enrollment_id: int
    customer_id: int
    visit: int
    context: dict[str, Any]

    @property
    def key(self) -> str:
        return f"journey:{self.enrollment_id}:{self.visit}"


@dataclass(frozen=True)
class Batch:
    journey_id: int
    version_id: int
    step: str
    config: dict[str, Any]
    at: datetime
    items: list[Item]


@dataclass(frozen=True)
class Result:
    outcome: str = "done"  # done | blocked | skipped
    reason: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


Handler = Callable[[Batch], dict[int, Result]]
_HANDLERS: dict[str, Handler] = {}


def register(kind: str, handler: Handler) -> None:
    _HANDLERS[kind] = handler


def unregister(kind: str) -> None:
    _HANDLERS.pop(kind, None)


def handler_for(kind: str) -> Handler | None:
    return _HANDLERS.get(kind)


def run_action(kind: str, batch: Batch) -> dict[int, Result]:
    handler = _HANDLERS.get(kind)
    if handler is None:
        return {i.enrollment_id: Result("skipped", "no_handler") for i in batch.items}
    return handler(batch)
