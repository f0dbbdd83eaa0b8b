"""Properties of the engine over random journey graphs and event sequences (Hypothesis).

Every enrollment is waiting or finished; no effect happens twice (each send effect is one
send row); the global control group and the holdout are never messaged; an exit ends
the enrollment at once and nothing happens to it after; quiet hours and the daily cap
hold in each customer's own zone (Asia/Shanghai, Asia/Urumqi, America/Los_Angeles).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.customers.events import record_event
from siyu.customers.models import Customer
from siyu.customers.tagging import ensure_tag
from siyu.demo.brand import Brand
from siyu.journeys.control import control_members
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.feed import handle_changes
from siyu.journeys.graph import _reachable, exit_names, validate
from siyu.journeys.models import ControlGroup, Journey, StepEffect
from siyu.journeys.tests.factories import changes_after
from siyu.journeys.versions import publish
from siyu.messaging.models import COUNTING, MessagingSettings, RecipientZone, Send
from siyu.messaging.tests.factories import NOW, make_customer
from siyu.messaging.windows import after_quiet_hours

ZONES = ["Asia/Shanghai", "Asia/Urumqi", "America/Los_Angeles"]
KINDS = ["tag", "send", "send", "wait", "wait_until", "branch", "split", "wait_event", "end"]
HORIZON_MIN = 4 * 1440


def settings_of(kind: str) -> Any:
    """The settings a step of ``kind`` gets (its exits are drawn by ``graphs``)."""
    if kind == "wait":
        return st.fixed_dictionaries(
            {"type": st.just(kind), "seconds": st.sampled_from([3600, 6 * 3600, 86400])}
        )
    if kind == "wait_until":
        return st.fixed_dictionaries({"type": st.just(kind), "hour": st.integers(0, 23)})
    if kind == "wait_event":
        return st.fixed_dictionaries(
            {
                "type": st.just(kind),
                "event": st.just("ping"),
                "timeout": st.sampled_from([0, 0, 7200, 86400]),
            }
        )
    if kind == "branch":
        return st.just({"type": kind, "cond": {"event": "ping", "days": 1}})
    if kind == "split":
        paths = st.lists(
            st.fixed_dictionaries({"weight": st.integers(1, 5)}), min_size=1, max_size=3
        )
        return st.fixed_dictionaries({"type": st.just(kind), "paths": paths})
    if kind == "tag":
        return st.just({"type": kind, "tag_id": 0})  # filled with a real tag
    return st.just({"type": kind})


@st.composite
def graphs(draw: Any) -> dict[str, Any]:
    n = draw(st.integers(2, 8))
    steps: dict[str, Any] = {}
    for i in range(n):
        kind = "end" if i == n - 1 else draw(st.sampled_from(KINDS))
        later = st.sampled_from([f"s{j}" for j in range(i + 1, n)]) if i < n - 1 else st.just("")
        step = draw(settings_of(kind))
        for name in exit_names(step):
            target = draw(later)
            # A wait may loop back: the loop passes a wait, so it is allowed.
            if kind in ("wait", "wait_until") and draw(st.booleans()):
                target = f"s{draw(st.integers(0, i))}"
            if name.startswith("paths."):
                step["paths"][int(name[6:])]["next"] = target
            else:
                step[name] = target
        steps[f"s{i}"] = step
    graph = {"start": "s0", "steps": steps}
    reached = _reachable(graph)
    graph["steps"] = {k: v for k, v in steps.items() if k in reached}
    return graph


# One customer always stops early (an exit must end her wait), others ping or stop later.
events = st.tuples(st.integers(0, 600), st.integers(0, 5), st.just("stop")).flatmap(
    lambda first: st.lists(
        st.tuples(
            st.integers(0, HORIZON_MIN),
            st.integers(0, 5),
            st.sampled_from(["ping", "ping", "stop"]),
        ),
        max_size=12,
    ).map(lambda rest: [first, *rest])
)


@pytest.fixture
def people(brand: Brand) -> list[Customer]:
    return [make_customer(str(i), owner=brand.lin_yue) for i in range(6)]


def _run(
    journey: Journey, people: list[Customer], timeline: list[tuple[int, int, str]]
) -> dict[int, datetime]:
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    pos = 0
    stops: dict[int, datetime] = {}
    ticks = sorted({m for m, _c, _k in timeline} | set(range(0, HORIZON_MIN, 360)))
    for n, minute in enumerate(ticks):
        now = NOW + timedelta(minutes=minute)
        for m, who, kind in timeline:
            if m == minute:
                person = people[who]
                record_event(
                    person, type=kind, occurred_at=now, idempotency_key=f"{n}:{who}:{kind}:{m}"
                )
                if kind == "stop":
                    stops.setdefault(person.pk, now)
        changes = changes_after(pos)
        if changes:
            pos = changes[-1].id
            handle_changes(changes, now)
        for _ in range(200):
            if advance_due(now=now) == 0:
                break
        else:
            raise AssertionError("the engine never settled")
    return stops


def _check(
    journey: Journey, people: list[Customer], stops: dict[int, datetime], zones: dict[int, ZoneInfo]
) -> None:
    rows = list(journey.enrollments.all())
    for row in rows:
        assert row.status in ("waiting", "finished")
        if row.status == "finished":
            assert row.finish
            assert row.due_at is None
        else:
            assert row.due_at is not None or row.wait_event
    control = control_members(c.pk for c in people)
    held = {r.customer_id for r in rows if r.holdout}
    sends = list(Send.objects.filter(source="journey"))
    assert not {s.customer_id for s in sends} & (control | held)
    send_effects = StepEffect.objects.filter(kind="send").exclude(reason="control_group")
    assert len(sends) == send_effects.count()
    assert not StepEffect.objects.filter(enrollment__holdout=True).exists()
    for customer_id, at in stops.items():
        row = next(r for r in rows if r.customer_id == customer_id)
        assert row.status == "finished"
        assert not StepEffect.objects.filter(enrollment=row, created_at__gt=at).exists()
    rules = MessagingSettings.objects.get()
    per_day: Counter[tuple[int, object]] = Counter()
    for s in sends:
        if s.status in COUNTING and s.customer_id is not None:
            zone = zones[s.customer_id]
            assert after_quiet_hours(s.due_at, zone, rules.quiet_start, rules.quiet_end) is None
            per_day[s.customer_id, s.due_at.astimezone(zone).date()] += 1
    assert max(per_day.values(), default=0) <= rules.day_cap


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    graph=graphs(),
    timeline=events,
    zone_of=st.lists(st.sampled_from(ZONES), min_size=6, max_size=6),
)
def test_random_journeys_keep_every_promise(
    people: list[Customer],
    graph: dict[str, Any],
    timeline: list[tuple[int, int, str]],
    zone_of: list[str],
) -> None:
    tag = ensure_tag("旅程", "随机")
    for step in graph["steps"].values():
        if step["type"] == "tag":
            step["tag_id"] = tag.pk
        if step["type"] == "send":
            step["text"] = "你好"
    assert validate(graph) == []
    with transaction.atomic():
        MessagingSettings.objects.create(day_cap=1, week_cap=3)
        ControlGroup.objects.create(percent=20)
        RecipientZone.objects.bulk_create(
            RecipientZone(customer=c, zone=z) for c, z in zip(people, zone_of, strict=True)
        )
        journey = Journey.objects.create(
            name="随机", draft=graph, exits=[{"event": "stop"}], holdout_percent=20
        )
        publish(journey)
        journey.refresh_from_db()
        stops = _run(journey, people, timeline)
        _check(
            journey,
            people,
            stops,
            {c.pk: ZoneInfo(z) for c, z in zip(people, zone_of, strict=True)},
        )
        transaction.set_rollback(True)
