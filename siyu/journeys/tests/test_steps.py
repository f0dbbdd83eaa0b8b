"""Entries, waits in the customer's zone, branches, splits and the action registry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from siyu.campaigns.models import IssuedCoupon
from siyu.campaigns.tests.factories import make_coupon
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand
from siyu.journeys.actions import Batch, Result, handler_for, register, unregister
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.feed import handle_changes
from siyu.journeys.models import Conversion, Enrollment, StepEffect, WebhookCall
from siyu.journeys.scheduled import run_scheduled
from siyu.journeys.stats import choose_winner, step_counts, summarize
from siyu.journeys.tests.factories import chain, changes_after, make_journey, plain_customers
from siyu.loyalty.verbs import points_balance
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db


def test_a_time_of_day_wait_ends_at_nine_in_each_customers_zone() -> None:
    journey = make_journey(chain({"type": "wait_until", "hour": 9, "minute": 0}))
    zones = ["Asia/Shanghai", "Asia/Urumqi", "America/Los_Angeles"]
    people = [make_customer(z, zone=z) for z in zones]
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    advance_due(now=NOW)
    for person, zone in zip(people, zones, strict=True):
        due = journey.enrollments.get(customer=person).due_at
        assert due is not None
        local = due.astimezone(ZoneInfo(zone))
        assert (local.hour, local.minute) == (9, 0)
        assert timedelta(0) < due - NOW <= timedelta(days=1)


def test_a_weekday_wait_skips_to_the_named_day() -> None:
    journey = make_journey(chain({"type": "wait_until", "hour": 10, "weekdays": [4]}))
    person = make_customer("甲")  # the brand zone: NOW is a Tuesday noon in Shanghai
    enroll(journey, [Entrant(person.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    due = journey.enrollments.get().due_at
    assert due is not None
    assert due.astimezone(ZoneInfo("Asia/Shanghai")).date() == date(2026, 3, 13)


def test_a_branch_follows_the_tag_and_a_split_keeps_its_weights_and_winner() -> None:
    tag = ensure_tag("旅程", "VIP")
    graph = {
        "start": "b",
        "steps": {
            "b": {"type": "branch", "cond": {"tag": tag.pk}, "yes": "ab", "no": "end"},
            "ab": {"type": "split", "winner_after_days": 7,
                   "paths": [{"weight": 80, "next": "end"}, {"weight": 20, "next": "end"}]},
            "end": {"type": "end"},
        },
    }  # fmt: skip
    journey = make_journey(graph, goal={"event": "purchase"})
    people = plain_customers(300)
    for c in people[:200]:
        add_tag(c, tag)
    enroll(journey, [Entrant(c.pk) for c in people], source="api", at=NOW)
    advance_due(now=NOW)
    exits = [e.detail["exit"] for e in StepEffect.objects.filter(step="ab")]
    assert len(exits) == 200
    assert 130 < exits.count("paths.0") < 190
    counts = step_counts(journey)
    assert (counts["b"].entered, counts["ab"].entered, counts["end"].entered) == (
        200 + 100,
        200,
        300,
    )
    second = StepEffect.objects.filter(step="ab", detail__exit="paths.1").first()
    assert second is not None
    Conversion.objects.create(enrollment_id=second.enrollment_id, journey=journey, converted_at=NOW)
    version = journey.current
    assert version is not None
    assert choose_winner(journey, version.pk, "ab", at=NOW) is None  # before its window
    assert (
        choose_winner(journey, version.pk, "ab", at=version.published_at + timedelta(days=8)) == 1
    )


@pytest.fixture
def task_handler() -> Iterator[None]:
    """A "create staff task" handler as the lead wires it, writing a row of ours per item."""

    def handler(batch: Batch) -> dict[int, Result]:
        WebhookCall.objects.bulk_create(
            WebhookCall(enrollment_id=i.enrollment_id, url="https://task.test/",
                        body={"source_key": i.key, "title": batch.config.get("title", "")},
                        created_at=batch.at)
            for i in batch.items
        )  # fmt: skip
        return {}

    wired = handler_for("task")  # the workbench's (siyu/journeys/staff_steps.py)
    register("task", handler)
    yield
    unregister("task")
    if wired is not None:
        register("task", wired)


def test_a_staff_task_goes_through_the_registry_and_its_completion_moves_the_wait(
    task_handler: None,
) -> None:
    graph = {
        "start": "t",
        "steps": {
            "t": {"type": "task", "title": "回访", "next": "w"},
            "w": {"type": "wait_event", "event": "task_done", "match": {"source_key": "$entry.key"},
                  "timeout": 86400, "next": "m", "timeout_next": "end"},
            "m": {"type": "material", "material_id": 3, "next": "end"},
            "end": {"type": "end"},
        },
    }  # fmt: skip
    journey = make_journey(graph)
    person = make_customer("甲")
    enroll(journey, [Entrant(person.pk, context={"key": "k1"})], source="api", at=NOW)
    advance_due(now=NOW)
    call = WebhookCall.objects.get()
    assert call.body["source_key"].startswith("journey:")
    from siyu.customers.events import record_event

    record_event(person, type="task_done", occurred_at=NOW, idempotency_key="t1",
                 properties={"source_key": "k1", "outcome": "done"})  # fmt: skip
    handle_changes(changes_after(), NOW)
    advance_due(now=NOW + timedelta(seconds=1))
    material = StepEffect.objects.get(step="m")
    assert (material.outcome, material.reason) == ("skipped", "no_material")  # no material 3
    assert journey.enrollments.get().finish == "done"


def test_tag_order_and_segment_entries_come_from_the_feed(brand: Brand) -> None:
    tag = ensure_tag("旅程", "入会")
    by_tag = make_journey(
        chain({"type": "wait", "seconds": 60}), entry={"kind": "tag", "tag_id": tag.pk}
    )
    by_order = make_journey(chain({"type": "wait", "seconds": 60}), entry={"kind": "order"},
                            goal={"event": "order_paid"})  # fmt: skip
    a, b = make_customer("甲"), make_customer("乙")
    add_tag(a, tag)
    import_order(
        b, OrderInput(platform="youzan", order_no="N1", paid_at=NOW, total_fen=990, paid_fen=990)
    )
    handle_changes(changes_after(), NOW)
    assert list(by_tag.enrollments.values_list("customer", flat=True)) == [a.pk]
    row = by_order.enrollments.get()
    assert (row.customer_id, row.context["order_id"] > 0) == (b.pk, True)
    assert summarize(by_order).entered == 1


def test_a_birthday_entry_runs_once_a_day_and_coupon_and_points_actions_award_once() -> None:
    coupon = make_coupon()
    make_journey(
        chain({"type": "coupon", "coupon_id": coupon.pk}, {"type": "points", "points": 50}),
        entry={"kind": "date", "field": "birthday"}, reentry="always",
    )  # fmt: skip
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    person = make_customer("寿星")
    Customer.objects.filter(pk=person.pk).update(birthday=today.replace(year=1990))
    make_customer("别人")
    assert run_scheduled() == 1
    assert run_scheduled() == 0  # not due again before its next run
    advance_due(now=datetime.now(ZoneInfo("UTC")) + timedelta(seconds=1))
    assert IssuedCoupon.objects.filter(customer=person).count() == 1
    assert points_balance(person.pk) == 50
    assert Enrollment.objects.get().finish == "done"
