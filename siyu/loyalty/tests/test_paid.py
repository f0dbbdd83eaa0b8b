"""付费会员: bought and renewed by orders, pro-rata cancellation, reminders due."""

from __future__ import annotations

from datetime import timedelta

import pytest

from siyu.customers.orders import OrderInput, OrderLineInput, upsert_order
from siyu.loyalty.feed import poll_changes
from siyu.loyalty.models import MembershipStatus, PaidMembership, PaidPlan, Status
from siyu.loyalty.paid import cancel_membership, refund_for, remind_expiring, reminders_due
from siyu.loyalty.perks import perks_of
from siyu.loyalty.tests.factories import T0, make_person
from siyu.messaging.models import Channel, Priority, Send, SendStatus

pytestmark = pytest.mark.django_db


def _buy(customer: object, no: str, days: int = 0, quantity: int = 1) -> None:
    line = OrderLineInput("PLUS-YEAR", "山茶 Plus 年卡", quantity, 19900, 19900 * quantity)
    at = T0 + timedelta(days=days)
    order = OrderInput("miniprogram", no, at, line.paid_fen, line.paid_fen, lines=(line,))
    upsert_order(customer, order)  # type: ignore[arg-type]


@pytest.fixture
def plan() -> PaidPlan:
    return PaidPlan.objects.create(
        name="山茶 Plus", sku="PLUS-YEAR", term_days=365, price_fen=19900, status=Status.ACTIVE,
        discount_percent=90, free_shipping=True, points_multiplier=200, remind_days=7,
    )  # fmt: skip


def test_a_purchase_and_a_renewal_chain_their_terms(plan: PaidPlan) -> None:
    lei = make_person()
    _buy(lei, "P1")
    _buy(lei, "P2", days=100)
    poll_changes()
    poll_changes()
    terms = list(PaidMembership.objects.filter(customer=lei).order_by("starts_at"))
    assert len(terms) == 2
    assert terms[1].starts_at == terms[0].ends_at == T0 + timedelta(days=365)
    perks = perks_of(lei.pk, T0 + timedelta(days=1))
    assert (perks.discount_percent, perks.free_shipping, perks.points_multiplier) == (90, True, 200)


def test_cancellation_refunds_the_unused_days(plan: PaidPlan) -> None:
    lei = make_person()
    _buy(lei, "P3")
    poll_changes()
    membership = PaidMembership.objects.get(customer=lei)
    assert refund_for(membership, T0 - timedelta(days=1)) == 19900
    cancelled = cancel_membership(membership.pk, at=T0 + timedelta(days=73))
    assert cancelled.refund_fen == 19900 * 292 // 365
    assert cancelled.status == MembershipStatus.CANCELLED
    again = cancel_membership(membership.pk, at=T0 + timedelta(days=200))
    assert again.refund_fen == cancelled.refund_fen


def test_reminders_are_due_in_the_window_unless_renewed(plan: PaidPlan) -> None:
    lei, yue = make_person(), make_person()
    _buy(lei, "P4")
    _buy(yue, "P5")
    _buy(yue, "P6", days=300)  # renewed
    poll_changes()
    near_end = T0 + timedelta(days=360)
    assert list(reminders_due(near_end).values_list("customer_id", flat=True)) == [lei.pk]
    assert not reminders_due(T0 + timedelta(days=300)).exists()
    assert remind_expiring(near_end) == 1
    assert not reminders_due(near_end).exists()


def test_a_due_reminder_is_in_the_send_log_once_when_the_job_runs_twice(plan: PaidPlan) -> None:
    lei = make_person()
    _buy(lei, "P7")
    poll_changes()
    near_end = T0 + timedelta(days=360)
    membership = PaidMembership.objects.get(customer=lei)
    assert remind_expiring(near_end) == 1
    assert remind_expiring(near_end) == 0  # marked: not due any more
    # A run that died after the send but before marking sends again: the key holds.
    PaidMembership.objects.filter(pk=membership.pk).update(reminded_at=None)
    assert remind_expiring(near_end) == 1
    sends = Send.objects.filter(customer=lei)
    assert sends.count() == 1
    row = sends.get()
    assert (row.source, row.source_id) == ("loyalty", f"membership-expiry:{membership.pk}")
    assert (row.channel, row.priority, row.status) == (
        Channel.WEBHOOK,
        Priority.TRANSACTIONAL,
        SendStatus.QUEUED,
    )
    assert "山茶 Plus" in row.plan.content["text"]
    assert "到期" in row.plan.content["text"]
