"""The step graph of a journey and its publish-time checks.

A graph is ``{"start": key, "steps": {key: {"type": …, exits…, settings…}}}``. Each step
type names its exits (the keys holding the next step): an action has ``next``; a branch
``yes``/``no``; a split ``paths`` (weights with their ``next``); a wait for an event has
``next`` (the event came) and ``timeout_next``; ``end`` has none.

``validate`` refuses, naming the step: an exit missing or pointing nowhere, a step no path
reaches, and a cycle with no wait in it (it would spin without ever yielding).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

WAITS = frozenset({"wait", "wait_until", "wait_event"})
ACTIONS = frozenset(
    {"send", "material", "task", "tag", "field", "webhook", "move", "coupon", "points"}
) | {"group_post"}  # siyu/journeys/group_steps.py
BRANCHES = frozenset({"branch", "split"})
TYPES = WAITS | ACTIONS | BRANCHES | {"end"}
MAX_STEPS = 200
KEY_MAX = 40


@dataclass(frozen=True)
class Problem:
    step: str
    message: str

    def __str__(self) -> str:
        return f"{self.step}: {self.message}" if self.step else self.message


def exit_names(step: dict[str, Any]) -> list[str]:
    kind = step.get("type")
    if kind in ("end", "move"):
        return []
    if kind == "branch":
        return ["yes", "no"]
    if kind == "split":
        return [f"paths.{i}" for i in range(len(step.get("paths") or []))]
    if kind == "wait_event":
        return ["next", "timeout_next"]
    return ["next"]


def exit_target(step: dict[str, Any], name: str) -> Any:
    if name.startswith("paths."):
        paths = step.get("paths") or []
        path = paths[int(name.split(".", 1)[1])]
        return path.get("next") if isinstance(path, dict) else None
    return step.get(name)


def exits(step: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for name in exit_names(step):
        yield name, exit_target(step, name)


def _shape(graph: Any) -> list[Problem]:
    if not isinstance(graph, dict) or not isinstance(graph.get("steps"), dict):
        return [Problem("", _("The journey has no steps."))]
    steps = graph["steps"]
    if not steps:
        return [Problem("", _("The journey has no steps."))]
    if len(steps) > MAX_STEPS:
        return [Problem("", _("A journey has at most %(n)d steps.") % {"n": MAX_STEPS})]
    if graph.get("start") not in steps:
        return [Problem("", _("The journey has no first step."))]
    out = []
    for key, step in steps.items():
        if not isinstance(key, str) or not key or len(key) > KEY_MAX:
            out.append(Problem(str(key)[:KEY_MAX], _("A step name has 1 to 40 characters.")))
        elif not isinstance(step, dict) or step.get("type") not in TYPES:
            out.append(Problem(key, _("Unknown step type.")))
    return out


def _exit_problems(steps: dict[str, Any]) -> list[Problem]:
    out = []
    for key, step in steps.items():
        if step["type"] == "split" and not step.get("paths"):
            out.append(Problem(key, _("A random split needs at least one path.")))
        for name, target in exits(step):
            if not target:
                out.append(Problem(key, _("The exit “%(exit)s” leads nowhere.") % {"exit": name}))
            elif target not in steps:
                out.append(
                    Problem(key, _("The exit “%(exit)s” leads to a missing step.") % {"exit": name})
                )
    return out


def _reachable(graph: dict[str, Any]) -> set[str]:
    steps, seen, todo = graph["steps"], set(), [graph["start"]]
    while todo:
        key = todo.pop()
        if key in seen or key not in steps:
            continue
        seen.add(key)
        todo.extend(t for _n, t in exits(steps[key]) if t)
    return seen


def _spinning(steps: dict[str, Any]) -> str | None:
    """A step on a cycle that passes no wait, if there is one (depth-first, colouring)."""
    colour: dict[str, int] = {}

    def visit(key: str) -> str | None:
        colour[key] = 1
        for _n, target in exits(steps[key]):
            if target not in steps or steps[target]["type"] in WAITS:
                continue
            if colour.get(target) == 1:
                return str(target)
            if target not in colour and (found := visit(target)):
                return found
        colour[key] = 2
        return None

    for key in steps:
        if steps[key]["type"] not in WAITS and key not in colour and (found := visit(key)):
            return found
    return None


def validate(graph: Any) -> list[Problem]:
    """Every problem that stops this graph from being published, each naming its step."""
    problems = _shape(graph)
    if problems:
        return problems
    steps = graph["steps"]
    problems = _exit_problems(steps)
    reached = _reachable(graph)
    problems += [
        Problem(key, _("No path reaches this step.")) for key in steps if key not in reached
    ]
    if not problems and (looping := _spinning(steps)):
        problems.append(Problem(looping, _("This step is on a loop with no wait in it.")))
    return problems
