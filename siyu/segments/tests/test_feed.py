"""Segments follow the change feed: single writes, bulk writes and merges move membership
on the next poll, with no save signal and no task per change."""

from __future__ import annotations

from datetime import timedelta

from siyu.customers.autotag import recompute_rule_tag
from siyu.customers.batch import apply_batch
from siyu.customers.events import record_event
from siyu.customers.merge import merge_customers, unmerge
from siyu.customers.models import CustomerChange, Event, FeedCursor, TagKind
from siyu.customers.tagging import add_tag, ensure_tag, remove_tag
from siyu.demo.brand import Brand
from siyu.segments.define import create_segment
from siyu.segments.feed import CONSUMER, poll_changes, relevant
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Membership, Segment
from siyu.segments.tests.factories import NOW, buy, make_customer


def _drain() -> int:
    total = 0
    while (handled := poll_changes()) > 0:
        total += handled
    return total


def _member(segment: Segment, customer_id: int) -> bool:
    return Membership.objects.filter(
        segment=segment, customer_id=customer_id, left_at__isnull=True
    ).exists()


def test_a_tag_change_moves_the_customer_in_and_out_on_the_next_poll(brand: Brand) -> None:
    vip = ensure_tag("兴趣", "手冲")
    zhang = make_customer("张敏")
    segment = create_segment("有标签", {"kind": "tags", "mode": "any", "tag_ids": [vip.pk]})
    _drain()
    add_tag(zhang, vip)
    assert not _member(segment, zhang.pk)
    assert _drain() >= 1
    assert _member(segment, zhang.pk)
    remove_tag(zhang, vip)
    _drain()
    assert not _member(segment, zhang.pk)
    segment.refresh_from_db()
    assert segment.member_count == 0
    assert poll_changes() == 0  # everything handled once
    assert FeedCursor.objects.get(consumer=CONSUMER).leased_by == ""


def test_bulk_writes_reach_segments_through_the_feed(brand: Brand) -> None:
    """Automatic tags and the batch API write in bulk; both reach membership by the feed."""
    rule = {"metric": "order_count", "op": ">=", "value": 1}
    buyer_tag = ensure_tag("行为", "买过", kind=TagKind.RULE, rule=rule)
    li = make_customer("李雷")
    buy(li, NOW - timedelta(days=1), 1000)
    buyers = create_segment("买过的人", {"kind": "tags", "mode": "any", "tag_ids": [buyer_tag.pk]})
    viewers = create_segment(
        "看过的人", {"kind": "event", "event_type": "view", "op": ">=", "value": 1}
    )
    _drain()
    recompute_rule_tag(buyer_tag, NOW)
    items = [
        {
            "identities": [{"type": "phone", "value": f"1381{i + 2345671:07d}"}],
            "type": "view",
            "occurred_at": (NOW - timedelta(minutes=i)).isoformat(),
        }
        for i in range(5)
    ]
    result = apply_batch("events", items, partial=False, source="api")
    assert result.ok, result.errors
    _drain()
    assert _member(buyers, li.pk)
    viewer_ids = {r.customer_id for r in result.applied}
    members = set(
        Membership.objects.filter(segment=viewers, left_at__isnull=True).values_list(
            "customer_id", flat=True
        )
    )
    assert members == viewer_ids


def test_a_merged_away_profile_leaves_and_an_unmerged_one_comes_back(brand: Brand) -> None:
    everyone = create_segment("女性", {"kind": "profile", "field": "gender", "values": ["female"]})
    a = make_customer("甲", gender="female")
    b = make_customer("乙", gender="female")
    _drain()
    assert _member(everyone, a.pk)
    assert _member(everyone, b.pk)
    record = merge_customers(a, b, reason="test")
    _drain()
    assert _member(everyone, a.pk)
    assert not _member(everyone, b.pk)
    unmerge(record)
    _drain()
    assert _member(everyone, b.pk)


def test_entry_and_exit_events_of_segments_refresh_nobody() -> None:
    """Our own segment_entered rows are in the feed (journeys trigger on them), but the
    segment consumer skips them, or every entry would refresh its customer again."""
    from siyu.customers.changes import Change

    own = Change(1, 0, 7, "event", 1, NOW, {"type": "segment_entered"})
    other = Change(2, 0, 8, "event", 2, NOW, {"type": "view"})
    assert relevant([own, other]) == [other]


def test_a_refresh_appends_entry_events_to_the_feed(brand: Brand) -> None:
    zhang = make_customer("张敏", gender="female")
    segment = create_segment("女性", {"kind": "profile", "field": "gender", "values": ["female"]})
    before = CustomerChange.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    refresh_segment(segment.pk, now=NOW)
    new = list(CustomerChange.objects.filter(customer_id=zhang.pk, pk__gt=before))
    assert [(c.kind, c.data) for c in new] == [("event", {"type": "segment_entered"})]
    # Both ways of writing entry events (one SQL statement on PostgreSQL) write the same.
    stint = Membership.objects.get(segment=segment, customer=zhang)
    assert new[0].ref is not None
    entered = Event.objects.get(pk=new[0].ref)
    assert (entered.customer_id, entered.type, entered.source) == (
        zhang.pk,
        "segment_entered",
        "segments",
    )
    assert entered.properties == {
        "segment_id": segment.pk,
        "segment_name": "女性",
        "membership_id": stint.pk,
        "conditions": stint.reason["conditions"],
    }
    assert entered.idempotency_key == f"segment:{segment.pk}:{zhang.pk}:{stint.pk}:entered"
    assert entered.occurred_at == NOW


def test_a_change_the_rule_does_not_depend_on_refreshes_nobody(brand: Brand) -> None:
    """A view event cannot change a tag rule's answer, so the consumer skips that segment
    (the customer who already matched waits for the sweep or a tag change)."""
    vip = ensure_tag("兴趣", "手冲")
    zhang = make_customer("张敏")
    add_tag(zhang, vip)
    _drain()
    segment = create_segment("有标签", {"kind": "tags", "mode": "any", "tag_ids": [vip.pk]})
    record_event(zhang, type="view", occurred_at=NOW, idempotency_key="v1")
    _drain()
    assert not _member(segment, zhang.pk)
    add_tag(zhang, ensure_tag("兴趣", "拿铁"))
    _drain()
    assert _member(segment, zhang.pk)
