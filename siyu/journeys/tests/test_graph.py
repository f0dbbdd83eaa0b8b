"""Publish-time validation names the step, and published versions never change."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from siyu.journeys.graph import validate
from siyu.journeys.models import ImmutableVersion, Journey
from siyu.journeys.tests.factories import chain, make_journey
from siyu.journeys.versions import NotPublishable, publish


def test_a_straight_chain_is_valid() -> None:
    assert validate(chain({"type": "tag", "tag_id": 1}, {"type": "wait", "seconds": 60})) == []


def test_a_loop_without_a_wait_is_refused_naming_a_step_on_it() -> None:
    graph: dict[str, Any] = {
        "start": "a",
        "steps": {
            "a": {"type": "tag", "tag_id": 1, "next": "b"},
            "b": {"type": "branch", "cond": {"tag": 1}, "yes": "a", "no": "end"},
            "end": {"type": "end"},
        },
    }
    problems = validate(graph)
    assert [p.step for p in problems] in (["a"], ["b"])
    graph["steps"]["w"] = {"type": "wait", "seconds": 60, "next": "a"}
    graph["steps"]["b"]["yes"] = "w"
    assert validate(graph) == []


def test_a_branch_missing_an_exit_and_an_unreachable_step_are_named() -> None:
    graph = {
        "start": "a",
        "steps": {
            "a": {"type": "branch", "cond": {"tag": 1}, "yes": "end"},
            "lost": {"type": "tag", "tag_id": 1, "next": "end"},
            "end": {"type": "end"},
        },
    }
    with translation.override("en"):
        problems = {(p.step, p.message) for p in validate(graph)}
    assert ("a", "The exit “no” leads nowhere.") in problems
    assert ("lost", "No path reaches this step.") in problems


def test_a_wait_for_an_event_needs_its_timeout_exit() -> None:
    graph = chain({"type": "wait_event", "event": "x", "timeout": 60})
    graph["steps"]["s0"].pop("timeout_next", None)
    assert [p.step for p in validate(graph)] == ["s0"]


@pytest.mark.django_db
def test_publishing_an_invalid_draft_is_refused_and_a_version_is_immutable() -> None:
    journey = Journey.objects.create(name="x", draft={"start": "a", "steps": {}})
    with pytest.raises(NotPublishable):
        publish(journey)
    journey = make_journey(chain({"type": "wait", "seconds": 5}))
    version = journey.current
    assert version is not None
    version.graph = {}
    with pytest.raises(ImmutableVersion):
        version.save()
