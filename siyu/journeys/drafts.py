"""Editing a journey's draft graph step by step (the builder calls these), and the layout
of its flow diagram. The draft may be invalid while it is edited; publishing checks it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from siyu.journeys.graph import KEY_MAX, MAX_STEPS, TYPES, exit_names, exits
from siyu.journeys.models import Journey

# Settings a step may carry besides its exits, with their kind (bounded by the parser).
SETTINGS: dict[str, str] = {
    "seconds": "int", "hour": "int", "minute": "int", "timeout": "int", "points": "int",
    "tag_id": "int", "coupon_id": "int", "material_id": "int", "journey_id": "int",
    "text": "text", "title": "text", "event": "text", "url": "text", "field": "text",
    "value": "text", "channel": "text", "post_kind": "text", "group_type": "text",
}  # fmt: skip
NODE_W, NODE_H, GAP_X, GAP_Y = 150, 44, 40, 30
TYPE_LABELS: dict[str, Any] = {
    "wait": _("Wait"), "wait_until": _("Wait until a time"), "wait_event": _("Wait for an event"),
    "branch": _("Condition"), "split": _("Random split"), "send": _("Send a message"),
    "material": _("Send material"), "task": _("Staff task"), "tag": _("Tag"),
    "field": _("Profile field"), "webhook": _("Webhook"), "move": _("Move to a journey"),
    "coupon": _("Coupon"), "points": _("Points"), "end": _("End"),
    "group_post": _("Post to her groups"),
}  # fmt: skip
FIELD_LABELS: dict[str, Any] = {
    "next": _("Then"), "yes": _("If yes"), "no": _("If no"), "timeout_next": _("On timeout"),
    "seconds": _("Seconds"), "hour": _("Hour"), "minute": _("Minute"), "timeout": _("Timeout (seconds)"),
    "points": _("Points"), "tag_id": _("Tag"), "coupon_id": _("Coupon"), "material_id": _("Material"),
    "journey_id": _("Journey"), "text": _("Text"), "title": _("Title"), "event": _("Event"),
    "url": _("Address"), "field": _("Profile field"), "value": _("Value"), "channel": _("Channel"),
    "post_kind": _("Post kind"), "group_type": _("Group type"),
}  # fmt: skip


def step_names(graph: dict[str, Any]) -> dict[str, str]:
    """What a person reads for each step: its number and its kind (keys are identifiers)."""
    steps = graph.get("steps") or {}
    return {
        key: f"{i + 1} · {TYPE_LABELS.get(str(step.get('type')), step.get('type'))}"
        for i, (key, step) in enumerate(steps.items())
    }


class DraftError(ValueError):
    pass


def _draft(journey: Journey) -> dict[str, Any]:
    draft = dict(journey.draft or {})
    draft.setdefault("steps", {})
    return draft


@transaction.atomic
def add_step(journey: Journey, kind: str, *, after: str = "", exit_name: str = "next") -> str:
    if kind not in TYPES:
        raise DraftError(kind)
    draft = _draft(journey)
    steps = dict(draft["steps"])
    if len(steps) >= MAX_STEPS:
        raise DraftError("too many steps")
    n = len(steps) + 1
    while f"{kind}{n}" in steps:
        n += 1
    key = f"{kind}{n}"[:KEY_MAX]
    steps[key] = {"type": kind}
    if after in steps and exit_name in exit_names(steps[after]):
        steps[after] = {**steps[after], exit_name: key}
    if not draft.get("start"):
        draft["start"] = key
    draft["steps"] = steps
    Journey.objects.filter(pk=journey.pk).update(draft=draft)
    journey.draft = draft
    return key


@transaction.atomic
def set_step(journey: Journey, key: str, values: dict[str, Any]) -> None:
    """Set a step's exits (to existing steps) and settings; unknown names are refused."""
    draft = _draft(journey)
    steps = dict(draft["steps"])
    if key not in steps:
        raise DraftError(key)
    step = dict(steps[key])
    allowed = set(exit_names(step)) | set(SETTINGS) | {"cond"}
    for name, value in values.items():
        if name not in allowed:
            raise DraftError(name)
        if name in exit_names(step) and value and value not in steps:
            raise DraftError(name)
        step[name] = value
    steps[key] = step
    draft["steps"] = steps
    Journey.objects.filter(pk=journey.pk).update(draft=draft)
    journey.draft = draft


@transaction.atomic
def remove_step(journey: Journey, key: str) -> None:
    draft = _draft(journey)
    steps = {k: dict(v) for k, v in draft["steps"].items() if k != key}
    for step in steps.values():  # exits that led to it now lead nowhere (validation says so)
        for name in exit_names(step):
            if not name.startswith("paths.") and step.get(name) == key:
                step[name] = ""
    draft["steps"] = steps
    if draft.get("start") == key:
        draft["start"] = next(iter(steps), "")
    Journey.objects.filter(pk=journey.pk).update(draft=draft)
    journey.draft = draft


@dataclass(frozen=True)
class Node:
    key: str
    kind: str
    name: str
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    x1: int
    y1: int
    x2: int
    y2: int
    label: str


def layout(graph: dict[str, Any]) -> tuple[list[Node], list[Edge], int, int]:
    """Columns by distance from the first step (breadth first), unreached steps last."""
    steps = graph.get("steps") or {}
    depth: dict[str, int] = {}
    start = str(graph.get("start") or "")
    queue: list[str] = [start] if start in steps else []
    if queue:
        depth[queue[0]] = 0
    while queue:
        key = queue.pop(0)
        for _name, target in exits(steps[key]):
            if isinstance(target, str) and target in steps and target not in depth:
                depth[target] = depth[key] + 1
                queue.append(target)
    last = max(depth.values(), default=-1) + 1
    rows: dict[int, int] = {}
    nodes: dict[str, Node] = {}
    names = step_names(graph)
    for key, step in steps.items():
        col = depth.get(key, last)
        row = rows.get(col, 0)
        rows[col] = row + 1
        nodes[key] = Node(
            key,
            str(step.get("type", "")),
            names[key],
            10 + col * (NODE_W + GAP_X),
            10 + row * (NODE_H + GAP_Y),
        )
    edges = []
    for key, step in steps.items():
        for name, target in exits(step):
            if target in nodes:
                a, b = nodes[key], nodes[target]
                label = str(FIELD_LABELS.get(name, name))
                edges.append(Edge(a.x + NODE_W, a.y + NODE_H // 2, b.x, b.y + NODE_H // 2, label))
    width = max((n.x for n in nodes.values()), default=0) + NODE_W + 20
    height = max((n.y for n in nodes.values()), default=0) + NODE_H + 20
    return list(nodes.values()), edges, width, height
