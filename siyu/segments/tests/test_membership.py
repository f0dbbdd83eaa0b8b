"""Dynamic membership: entry and exit with reasons and events, idempotent refresh, the
per-customer refresh after a change, snapshots."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from siyu.customers.models import Event
from siyu.customers.tagging import add_tag, ensure_tag, remove_tag
from siyu.demo.brand import Brand
from siyu.segments.define import create_segment, update_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Membership, Segment
from siyu.segments.snapshot import take_snapshot
from siyu.segments.tests.factories import NOW, buy, make_customer


def loyal_rule(tag_id: int) -> dict[str, Any]:
    return {
        "kind": "and",
        "rules": [
            {"kind": "orders", "metric": "frequency", "window_days": 180, "op": ">=", "value": 2},
            {"kind": "tags", "mode": "any", "tag_ids": [tag_id]},
        ],
    }


def test_entry_and_exit_are_recorded_with_reasons_and_events(brand: Brand) -> None:
    vip = ensure_tag("兴趣", "手冲")
    zhang = make_customer("张敏")
    buy(zhang, NOW - timedelta(days=3), 3000)
    buy(zhang, NOW - timedelta(days=40), 3000)
    add_tag(zhang, vip)
    segment = create_segment("手冲常客", loyal_rule(vip.pk), actor=brand.lin_yue.user)

    result = refresh_segment(segment.pk, now=NOW)
    assert (result.entered, result.exited, result.members) == (1, 0, 1)
    stint = Membership.objects.get(segment=segment, customer=zhang)
    assert [c["held"] for c in stint.reason["conditions"]] == [True, True]
    assert stint.reason["conditions"][0]["path"] == "rules.0"
    entered = Event.objects.get(customer=zhang, type="segment_entered")
    assert entered.properties["segment_id"] == segment.pk
    assert entered.idempotency_key == f"segment:{segment.pk}:{zhang.pk}:{stint.pk}:entered"

    remove_tag(zhang, vip)
    result = refresh_segment(segment.pk, now=NOW + timedelta(minutes=1))
    assert (result.entered, result.exited, result.members) == (0, 1, 0)
    stint.refresh_from_db()
    assert stint.left_at is not None
    assert [c["held"] for c in stint.exit_reason["conditions"]] == [True, False]
    assert Event.objects.filter(customer=zhang, type="segment_exited").count() == 1

    # Coming back opens a new stint with its own entry event.
    add_tag(zhang, vip)
    refresh_segment(segment.pk, now=NOW + timedelta(minutes=2))
    assert Membership.objects.filter(segment=segment, customer=zhang).count() == 2
    assert Event.objects.filter(customer=zhang, type="segment_entered").count() == 2


def test_refreshing_again_changes_nothing(brand: Brand) -> None:
    vip = ensure_tag("兴趣", "手冲")
    people = [make_customer(f"客{i}") for i in range(3)]
    for person in people:
        buy(person, NOW - timedelta(days=1), 100)
        buy(person, NOW - timedelta(days=2), 100)
        add_tag(person, vip)
    segment = create_segment("常客", loyal_rule(vip.pk))
    assert refresh_segment(segment.pk, now=NOW).entered == 3
    events = Event.objects.count()
    again = refresh_segment(segment.pk, now=NOW)
    assert (again.entered, again.exited, again.members) == (0, 0, 3)
    assert Event.objects.count() == events
    assert Membership.objects.filter(segment=segment, left_at__isnull=True).count() == 3


def test_a_new_rule_moves_people_out_with_a_reason(brand: Brand) -> None:
    vip = ensure_tag("兴趣", "手冲")
    zhang = make_customer("张敏", gender="female")
    segment = create_segment("女性", {"kind": "profile", "field": "gender", "values": ["female"]})
    refresh_segment(segment.pk, now=NOW)
    update_segment(segment, rule={"kind": "tags", "mode": "all", "tag_ids": [vip.pk]})
    assert refresh_segment(segment.pk, now=NOW).exited == 1
    stint = Membership.objects.get(customer=zhang)
    assert stint.exit_reason["conditions"][0]["condition"]["kind"] == "tags"


def test_a_snapshot_keeps_its_members_when_the_segment_changes(brand: Brand) -> None:
    vip = ensure_tag("兴趣", "手冲")
    zhang = make_customer("张敏")
    add_tag(zhang, vip)
    segment = create_segment("有标签", {"kind": "tags", "mode": "any", "tag_ids": [vip.pk]})
    refresh_segment(segment.pk, now=NOW)
    snapshot = take_snapshot(segment, name="六月名单", actor=brand.lin_yue.user)
    remove_tag(zhang, vip)
    refresh_segment(segment.pk, now=NOW)
    assert snapshot.member_count == 1
    assert list(snapshot.members.values_list("customer_id", flat=True)) == [zhang.pk]


def test_an_inactive_segment_is_not_refreshed(brand: Brand) -> None:
    zhang = make_customer("张敏", gender="female")
    segment = create_segment("女性", {"kind": "profile", "field": "gender", "values": ["female"]})
    Segment.objects.filter(pk=segment.pk).update(is_active=False)
    assert refresh_segment(segment.pk, now=NOW).entered == 0
    assert not Membership.objects.filter(customer=zhang).exists()


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ({"kind": "tags", "mode": "any", "tag_ids": [999999]}, "unknown tag id(s): 999999"),
        ({"kind": "org_unit", "org_unit_id": 999999}, "unknown org unit id 999999"),
        ({"kind": "owner", "staff_ids": [999999]}, "unknown staff id(s): 999999"),
    ],
)
def test_rules_referring_to_missing_things_are_refused(
    brand: Brand, rule: Any, message: str
) -> None:
    from siyu.segments.rules import RuleError

    with pytest.raises(RuleError) as caught:
        create_segment("坏规则", {"kind": "and", "rules": [rule]})
    assert caught.value.errors == [("rules.0", message)]
