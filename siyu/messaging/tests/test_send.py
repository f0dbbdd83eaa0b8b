"""The send verb: one decision per recipient with its reason, in the policy's order."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.customers.consent import record_consent
from siyu.customers.follows import follow_customer, unfollow_customer
from siyu.demo.brand import Brand
from siyu.messaging.models import (
    BudgetState,
    Channel,
    MessagingSettings,
    Priority,
    Reason,
    Send,
    SendStatus,
    StaffTask,
)
from siyu.messaging.send import Message, SendRequest, preview, send
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db


def mass(source_id: str, customers: list[int], **kwargs: object) -> SendRequest:
    options: dict[str, object] = {"at": NOW, "customers": customers}
    options.update(kwargs)
    return SendRequest(
        source="test",
        source_id=source_id,
        channel=Channel.WECOM_CUSTOMER,
        message=Message(text="新品上市"),
        **options,  # type: ignore[arg-type]
    )


def test_each_recipient_gets_one_row_with_the_first_reason_that_blocks_it(brand: Brand) -> None:
    ok = make_customer("甲", owner=brand.lin_yue)
    no_consent = make_customer("乙", owner=brand.lin_yue, consent=False)
    never_asked = make_customer("丙", owner=brand.lin_yue, consent=None)
    no_follower = make_customer("丁")
    outcome = send(mass("m1", [ok.pk, no_consent.pk, never_asked.pk, no_follower.pk]))
    rows = {s.customer_id: (s.status, s.reason) for s in Send.objects.all()}
    assert rows == {
        ok.pk: (SendStatus.QUEUED, ""),
        no_consent.pk: (SendStatus.BLOCKED, Reason.NO_CONSENT),
        never_asked.pk: (SendStatus.BLOCKED, Reason.NO_CONSENT),
        no_follower.pk: (SendStatus.BLOCKED, Reason.NOT_REACHABLE),
    }
    assert outcome.counts["queued"] == 1
    assert outcome.tasks == 1
    task = StaffTask.objects.get()
    assert (task.staff_id, task.recipients) == (brand.lin_yue.pk, 1)


def test_a_live_customer_without_a_follower_is_not_reachable(brand: Brand) -> None:
    lost = make_customer("丁")
    send(mass("m1", [lost.pk]))
    assert Send.objects.get().reason == Reason.NOT_REACHABLE


def test_the_sender_is_the_primary_owner_who_follows_else_the_longest_follower(
    brand: Brand,
) -> None:
    owned = make_customer("甲", consent=True)
    follow_customer(owned, brand.wang_qiang, at=NOW - timedelta(days=9))
    follow_customer(owned, brand.lin_yue, primary=True, at=NOW - timedelta(days=1))
    orphan = make_customer("乙", consent=True)
    follow_customer(orphan, brand.chen_jing, at=NOW - timedelta(days=2))
    follow_customer(orphan, brand.wang_qiang, at=NOW - timedelta(days=5))
    follow_customer(orphan, brand.lin_yue, primary=True, at=NOW - timedelta(days=1))
    unfollow_customer(orphan, brand.lin_yue, at=NOW)
    send(mass("m1", [owned.pk, orphan.pk]))
    senders = dict(Send.objects.values_list("customer_id", "staff_id"))
    assert senders == {owned.pk: brand.lin_yue.pk, orphan.pk: brand.wang_qiang.pk}


def test_a_follower_who_left_or_has_no_wecom_account_never_sends(brand: Brand) -> None:
    who = make_customer("丙", consent=True)
    follow_customer(who, brand.wang_qiang, at=NOW - timedelta(days=30))
    follow_customer(who, brand.chen_jing, at=NOW - timedelta(days=20))
    follow_customer(who, brand.lin_yue, at=NOW - timedelta(days=3))
    type(brand.wang_qiang).objects.filter(pk=brand.wang_qiang.pk).update(is_active=False)
    type(brand.chen_jing).objects.filter(pk=brand.chen_jing.pk).update(wecom_userid=None)
    send(mass("m1", [who.pk]))
    assert Send.objects.get().staff_id == brand.lin_yue.pk


def test_sending_again_with_the_same_key_writes_nothing(brand: Brand) -> None:
    ok = make_customer("甲", owner=brand.lin_yue)
    send(mass("m1", [ok.pk]))
    again = send(mass("m1", [ok.pk]))
    assert Send.objects.count() == 1
    assert again.counts["queued"] == 1


def test_caps_count_calendar_days_across_sources(brand: Brand) -> None:
    MessagingSettings.objects.create(day_cap=1, week_cap=5)
    ok = make_customer("甲", owner=brand.lin_yue)
    send(mass("m1", [ok.pk]))
    send(mass("m2", [ok.pk], at=NOW + timedelta(hours=2)))
    send(mass("m3", [ok.pk], at=NOW + timedelta(days=1)))
    statuses = list(Send.objects.order_by("source_id").values_list("status", "reason"))
    assert statuses == [
        (SendStatus.QUEUED, ""),
        (SendStatus.BLOCKED, Reason.DAY_CAP),
        (SendStatus.QUEUED, ""),
    ]


def test_transactional_sends_are_exempt_from_caps_and_quiet_hours(brand: Brand) -> None:
    MessagingSettings.objects.create(day_cap=1)
    ok = make_customer("甲", owner=brand.lin_yue)
    night = NOW + timedelta(hours=12)  # 00:00 in Shanghai
    send(mass("m1", [ok.pk]))
    for i in range(3):
        send(mass(f"t{i}", [ok.pk], at=night, priority=Priority.TRANSACTIONAL, purpose=""))
    assert (
        Send.objects.filter(priority=Priority.TRANSACTIONAL, status=SendStatus.QUEUED).count() == 3
    )
    assert set(
        Send.objects.filter(priority=Priority.TRANSACTIONAL).values_list("due_at", flat=True)
    ) == {night}


def test_quiet_hours_defer_to_the_window_end_in_the_customers_zone(brand: Brand) -> None:
    shanghai = make_customer("甲", owner=brand.lin_yue)
    london = make_customer("乙", owner=brand.lin_yue, zone="Europe/London")
    at = NOW + timedelta(hours=11)  # 23:00 in Shanghai, 15:00 in London
    send(mass("m1", [shanghai.pk, london.pk], at=at))
    sh = Send.objects.get(customer=shanghai)
    assert (sh.status, sh.reason) == (SendStatus.DEFERRED, Reason.QUIET_HOURS)
    assert sh.due_at == at + timedelta(hours=9)  # 08:00 next morning
    ld = Send.objects.get(customer=london)
    assert (ld.status, ld.due_at) == (SendStatus.QUEUED, at)
    # One task per sender and hour it may go out.
    assert StaffTask.objects.count() == 2


def test_the_wecom_budget_blocks_past_its_limit_and_is_reserved(brand: Brand) -> None:
    MessagingSettings.objects.create(day_cap=0, week_cap=0, budget_rule="day_1")
    ok = make_customer("甲", owner=brand.lin_yue)
    send(mass("m1", [ok.pk]))
    send(mass("m2", [ok.pk], at=NOW + timedelta(hours=1)))
    first, second = Send.objects.order_by("source_id")
    assert first.budget_state == BudgetState.RESERVED
    assert (second.status, second.reason) == (SendStatus.BLOCKED, Reason.WECOM_BUDGET)


def test_a_withdrawal_of_consent_stops_the_next_send(brand: Brand) -> None:
    ok = make_customer("甲", owner=brand.lin_yue)
    record_consent(ok, purpose="marketing", granted=False, policy_version="v1", source="t", at=NOW)
    send(mass("m1", [ok.pk]))
    assert Send.objects.get().reason == Reason.NO_CONSENT


def test_the_staff_daily_limit_blocks_the_senders_overflow(brand: Brand) -> None:
    MessagingSettings.objects.create(staff_daily_limit=2)
    people = [make_customer(str(i), owner=brand.lin_yue).pk for i in range(3)]
    send(mass("m1", people))
    assert sorted(Send.objects.values_list("reason", flat=True)) == ["", "", Reason.STAFF_LIMIT]


def test_per_owner_sends_go_only_through_the_chosen_owners(brand: Brand) -> None:
    a = make_customer("甲", owner=brand.lin_yue)
    b = make_customer("乙", owner=brand.wang_qiang)
    send(mass("m1", [a.pk, b.pk], owners=[brand.wang_qiang.pk]))
    assert dict(Send.objects.values_list("customer_id", "reason")) == {
        a.pk: Reason.NOT_REACHABLE,
        b.pk: "",
    }


def test_preview_decides_the_same_and_writes_nothing(brand: Brand) -> None:
    a = make_customer("甲", owner=brand.lin_yue)
    b = make_customer("乙", owner=brand.wang_qiang, consent=False)
    seen = preview(mass("m1", [a.pk, b.pk]))
    assert (seen.counts["queued"], seen.counts["blocked:no_consent"], seen.tasks) == (1, 1, 1)
    assert not Send.objects.exists()
    done = send(mass("m1", [a.pk, b.pk]))
    assert done.counts == seen.counts


def test_a_tasks_sends_are_stored_side_by_side(brand: Brand) -> None:
    """Creating a task at WeCom rewrites its sends' status: stored task by task (not in
    customer order), that rewrite touches a few pages of the log, not all of them."""
    owners = [brand.lin_yue, brand.chen_jing] * 6  # customers alternate between two owners
    people = [make_customer(f"客{n}", owner=owner) for n, owner in enumerate(owners)]
    send(mass("side-by-side", [p.pk for p in people]))
    tasks = list(Send.objects.order_by("pk").values_list("task_id", flat=True))
    runs = [t for n, t in enumerate(tasks) if n == 0 or t != tasks[n - 1]]
    assert len(set(tasks)) == 2
    assert sorted(runs) == sorted(set(tasks))  # each task one run of ids


def test_a_plan_decided_in_one_call_reports_what_its_sends_hold(brand: Brand) -> None:
    """A plan created in the caller's transaction takes its summary and blocked customers
    from the call's own decisions: they equal what reading its sends back gives."""
    MessagingSettings.objects.create(staff_daily_limit=2)
    people = [make_customer(f"客{i}", owner=brand.lin_yue) for i in range(4)]
    people += [make_customer("乙", owner=brand.lin_yue, consent=False), make_customer("丁")]
    outcome = send(mass("whole", [c.pk for c in people]))
    assert outcome.plan is not None
    sends = Send.objects.filter(plan=outcome.plan)
    stored: dict[str, int] = {}
    for s in sends:
        label = f"blocked:{s.reason}" if s.status == SendStatus.BLOCKED else str(s.status)
        stored[label] = stored.get(label, 0) + 1
    assert outcome.plan.summary == stored == {
        "queued": 2, "blocked:staff_limit": 2, "blocked:no_consent": 1, "blocked:not_reachable": 1,
    }  # fmt: skip
    blocked = dict(sends.filter(status=SendStatus.BLOCKED).values_list("customer_id", "reason"))
    assert outcome.blocked == blocked
