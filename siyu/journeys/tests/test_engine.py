"""The engine advances due enrollments to their next wait or end, once per step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.customers.autotag import recompute_rule_tag
from siyu.customers.events import record_event
from siyu.customers.models import CustomerTag, TagKind, TagSource
from siyu.customers.tagging import ensure_tag
from siyu.demo.brand import Brand
from siyu.journeys.control import control_members
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.feed import handle_changes
from siyu.journeys.models import ControlGroup, Enrollment, Finish, StepEffect, WebhookCall
from siyu.journeys.tests.factories import chain, changes_after, make_journey
from siyu.journeys.versions import archive, pause, publish, resume
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db


def test_a_tag_then_a_wait_then_a_send_each_run_once(brand: Brand) -> None:
    tag = ensure_tag("旅程", "新客")
    graph = chain(
        {"type": "tag", "tag_id": tag.pk},
        {"type": "wait", "seconds": 3600},
        {"type": "send", "text": "欢迎"},
    )
    journey = make_journey(graph)
    ok = make_customer("甲", owner=brand.lin_yue)
    no = make_customer("乙", owner=brand.lin_yue, consent=False)
    assert enroll(journey, [Entrant(ok.pk), Entrant(no.pk)], source="api", at=NOW) == 2
    assert advance_due(now=NOW) == 2
    assert CustomerTag.objects.filter(tag=tag).count() == 2
    assert advance_due(now=NOW + timedelta(minutes=59)) == 0
    assert advance_due(now=NOW + timedelta(hours=1)) == 2
    assert advance_due(now=NOW + timedelta(hours=2)) == 0
    blocked = StepEffect.objects.get(enrollment__customer=no, step="s2")
    assert (blocked.outcome, blocked.reason) == ("blocked", "no_consent")
    assert StepEffect.objects.get(enrollment__customer=ok, step="s2").outcome == "done"
    assert set(Enrollment.objects.values_list("status", "finish")) == {("finished", "done")}
    assert StepEffect.objects.count() == 8  # tag, wait, send, end for each


def test_a_wait_for_the_entry_orders_event_takes_its_exit_or_times_out(brand: Brand) -> None:
    graph = {
        "start": "w",
        "steps": {
            "w": {
                "type": "wait_event", "event": "review", "match": {"order": "$entry.order"},
                "timeout": 86400, "next": "hook", "timeout_next": "end",
            },
            "hook": {"type": "webhook", "url": "https://example.com/h", "next": "end"},
            "end": {"type": "end"},
        },
    }  # fmt: skip
    journey = make_journey(graph)
    a, b = make_customer("甲"), make_customer("乙")
    enroll(journey, [Entrant(a.pk, context={"order": 7}), Entrant(b.pk, context={"order": 8})],
           source="api", at=NOW)  # fmt: skip
    advance_due(now=NOW)
    record_event(a, type="review", occurred_at=NOW, properties={"order": 7}, idempotency_key="r1")
    record_event(b, type="review", occurred_at=NOW, properties={"order": 9}, idempotency_key="r2")
    handle_changes(changes_after(), NOW)
    advance_due(now=NOW + timedelta(seconds=1))
    assert list(WebhookCall.objects.values_list("enrollment__customer", flat=True)) == [a.pk]
    assert Enrollment.objects.get(customer=b).status == "waiting"
    advance_due(now=NOW + timedelta(days=1))
    assert Enrollment.objects.get(customer=b).finish == Finish.DONE
    assert WebhookCall.objects.count() == 1


def test_an_exit_event_ends_a_wait_at_once_and_the_goal_is_recorded(brand: Brand) -> None:
    journey = make_journey(
        chain({"type": "wait", "seconds": 86400}),
        exits=[{"event": "unsubscribe"}],
        goal={"event": "purchase", "window_days": 30},
    )
    a, b = make_customer("甲"), make_customer("乙")
    enroll(journey, [Entrant(a.pk), Entrant(b.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    record_event(a, type="unsubscribe", occurred_at=NOW, idempotency_key="u1")
    record_event(b, type="purchase", occurred_at=NOW + timedelta(hours=1),
                 properties={"amount_fen": 3200}, idempotency_key="p1")  # fmt: skip
    changes = changes_after()
    handle_changes(changes, NOW)
    handle_changes(changes)  # at least once: a second delivery changes nothing
    assert Enrollment.objects.get(customer=a).finish == Finish.EXITED
    conv = journey.enrollments.get(customer=b)
    assert conv.status == "waiting"
    from siyu.journeys.models import Conversion

    assert list(Conversion.objects.values_list("enrollment", "revenue_fen", "step")) == [
        (conv.pk, 3200, "s1")
    ]


def test_entering_a_segment_in_the_window_reaches_a_segment_goal(brand: Brand) -> None:
    journey = make_journey(
        chain({"type": "wait", "seconds": 86400}), goal={"segment": 4, "window_days": 7}
    )
    a, b, c = make_customer("甲"), make_customer("乙"), make_customer("丙")
    enroll(journey, [Entrant(a.pk), Entrant(b.pk), Entrant(c.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    entered = {"segment_id": 4, "segment_name": "高价值"}
    record_event(a, type="segment_entered", occurred_at=NOW + timedelta(hours=1),
                 properties=entered, idempotency_key="s1")  # fmt: skip
    record_event(b, type="segment_entered", occurred_at=NOW + timedelta(hours=1),
                 properties={**entered, "segment_id": 5}, idempotency_key="s2")  # fmt: skip
    handle_changes(changes_after(), NOW + timedelta(hours=1))
    from siyu.journeys.models import Conversion

    assert list(Conversion.objects.values_list("enrollment__customer", "step")) == [(a.pk, "s1")]
    record_event(c, type="segment_entered", occurred_at=NOW + timedelta(days=8),
                 properties=entered, idempotency_key="s3")  # fmt: skip
    handle_changes(changes_after(), NOW + timedelta(days=8))  # after the window: no goal
    assert Conversion.objects.count() == 1


def test_the_holdout_is_counted_and_the_control_group_never_messaged(brand: Brand) -> None:
    ControlGroup.objects.create(percent=30)
    journey = make_journey(chain({"type": "send", "text": "hi"}), holdout_percent=20)
    # Holdout and control are hashes of the ids, which vary with the database's sequences:
    # with 30 people none was held about once in 800 runs (0.8^30); with 80, 0.8^80.
    people = [make_customer(f"客{i}", owner=brand.lin_yue) for i in range(80)]
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    held = set(journey.enrollments.filter(holdout=True).values_list("customer_id", flat=True))
    assert held
    assert all(e.finish == Finish.HOLDOUT for e in journey.enrollments.filter(holdout=True))
    advance_due(now=NOW)
    control = control_members(c.pk for c in people)
    assert control
    sends = StepEffect.objects.filter(step="s0")
    assert (
        set(sends.filter(reason="control_group").values_list("enrollment__customer", flat=True))
        == control - held
    )
    assert not held & set(sends.values_list("enrollment__customer", flat=True))


def test_pause_keeps_or_retimes_due_times_and_archive_finishes_everyone(brand: Brand) -> None:
    journey = make_journey(chain({"type": "wait", "seconds": 3600}))
    a = make_customer("甲")
    enroll(journey, [Entrant(a.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    pause(journey, at=NOW + timedelta(minutes=30))
    assert advance_due(now=NOW + timedelta(hours=2)) == 0
    resume(journey, retime=True, at=NOW + timedelta(hours=2, minutes=30))
    row = journey.enrollments.get()
    assert row.due_at == NOW + timedelta(hours=3)
    archive(journey, at=NOW + timedelta(hours=2, minutes=31))
    assert journey.enrollments.get().finish == Finish.ARCHIVED
    assert enroll(journey, [Entrant(a.pk)], source="api", at=NOW) == 0


def test_the_rate_limit_caps_steps_per_minute(brand: Brand) -> None:
    journey = make_journey(chain({"type": "field", "field": "region", "value": "上海"}),
                           rate_per_minute=4, reentry="always")  # fmt: skip
    people = [make_customer(f"客{i}") for i in range(5)]
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    assert advance_due(now=NOW) == 4
    assert advance_due(now=NOW + timedelta(seconds=30)) == 0
    assert advance_due(now=NOW + timedelta(seconds=61)) == 1


def test_a_new_version_moves_mapped_enrollments_and_leaves_the_rest(brand: Brand) -> None:
    journey = make_journey(chain({"type": "wait", "seconds": 60}, {"type": "wait", "seconds": 60}))
    a, b = make_customer("甲"), make_customer("乙")
    enroll(journey, [Entrant(a.pk)], source="api", at=NOW)
    advance_due(now=NOW)  # a waits before s1
    enroll(journey, [Entrant(b.pk)], source="api", at=NOW)  # b waits before s0
    journey.draft = chain(
        {"type": "wait", "seconds": 60}, {"type": "tag", "tag_id": ensure_tag("g", "t").pk}
    )
    v2 = publish(journey, migrate={"s1": "s1"})
    assert journey.enrollments.get(customer=a).version == v2
    assert journey.enrollments.get(customer=b).version.number == 1


def test_an_event_entry_with_a_property_filter_enters_once_per_change(brand: Brand) -> None:
    journey = make_journey(chain({"type": "wait", "seconds": 60}),
                           entry={"kind": "event", "event": "signup", "where": {"channel": "h5"}},
                           reentry="always", concurrent=True)  # fmt: skip
    a, b = make_customer("甲"), make_customer("乙")
    record_event(
        a, type="signup", occurred_at=NOW, properties={"channel": "h5"}, idempotency_key="s1"
    )
    record_event(
        b, type="signup", occurred_at=NOW, properties={"channel": "oa"}, idempotency_key="s2"
    )
    changes = changes_after()
    handle_changes(changes, NOW)
    handle_changes(changes, NOW)
    assert list(journey.enrollments.values_list("customer", flat=True)) == [a.pk]


def test_a_tag_the_journey_gave_survives_the_automatic_tag_recompute(brand: Brand) -> None:
    # The recompute owns the links it made (source "rule"); the journey's are its own.
    rule = {"metric": "order_count", "op": ">=", "value": 3, "window_days": 90}
    tag = ensure_tag("行为", "复购3次+", kind=TagKind.RULE, rule=rule)
    journey = make_journey(chain({"type": "tag", "tag_id": tag.pk}))
    customer = make_customer("甲", owner=brand.lin_yue)  # no orders: the rule says no
    enroll(journey, [Entrant(customer.pk)], source="api", at=NOW)
    advance_due(now=NOW)

    recompute_rule_tag(tag, NOW)

    link = CustomerTag.objects.get(tag=tag, customer=customer)
    assert link.source == TagSource.JOURNEY


@pytest.mark.parametrize(
    ("reentry", "concurrent", "again"),
    [
        ("never", False, {"waiting": False, "finished": False}),
        ("always", False, {"waiting": False, "finished": True}),
        ("always", True, {"waiting": True, "finished": True}),
        ("cooldown", False, {"waiting": False, "finished": False, "finished_long_ago": True}),
    ],
)
def test_the_reentry_rules_decide_who_enters_again(
    brand: Brand, reentry: str, concurrent: bool, again: dict[str, bool]
) -> None:
    journey = make_journey(chain({"type": "wait", "seconds": 3600}), reentry=reentry,
                           concurrent=concurrent, cooldown_seconds=86400)  # fmt: skip
    people = {state: make_customer(state) for state in again}
    enroll(journey, [Entrant(c.pk) for c in people.values()], source="api", at=NOW)
    done = [people[s].pk for s in again if s.startswith("finished")]
    journey.enrollments.filter(customer_id__in=done).update(status="finished", finish="done")
    if "finished_long_ago" in people:
        old = NOW - timedelta(days=2)
        journey.enrollments.filter(customer=people["finished_long_ago"]).update(entered_at=old)
    newcomer = make_customer("新人")
    entrants = [Entrant(c.pk) for c in [*people.values(), newcomer]]
    assert enroll(journey, entrants, source="api", at=NOW + timedelta(minutes=5)) == (
        1 + sum(again.values())
    )
    counts = {s: journey.enrollments.filter(customer=c).count() for s, c in people.items()}
    assert counts == {s: 1 + int(allowed) for s, allowed in again.items()}
