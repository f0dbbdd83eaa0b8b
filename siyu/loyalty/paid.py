"""付费会员: plans bought as order lines; renewals chain after the current term; a
cancellation refunds the unused part pro rata; reminders before expiry.

``send_expiry_reminder`` is the one place that sends, through the messaging send verb:
a service notice about a term the member paid for (transactional: no caps or quiet hours,
no marketing consent needed), by the outbound webhook (SMS), once per membership and
reminder whatever the job does.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext

from siyu.core.clock import local_date
from siyu.customers.models import Order
from siyu.loyalty.models import MembershipStatus, PaidMembership, PaidPlan, Status
from siyu.messaging.models import Channel, Priority
from siyu.messaging.send import Message, SendRequest, send

log = logging.getLogger(__name__)


def record_plan_order(order: Order) -> list[PaidMembership]:
    """Record a purchase or renewal for each line of ``order`` that is a published plan's
    SKU (idempotent per order and plan); the term starts when the current one ends."""
    lines = list(order.lines.all())
    skus = {ln.sku for ln in lines}
    plans = {p.sku: p for p in PaidPlan.objects.filter(sku__in=skus, status=Status.ACTIVE)}
    done = []
    for line in lines:
        plan = plans.get(line.sku)
        if plan is None:
            continue
        key = f"order:{order.pk}:{plan.pk}"
        if PaidMembership.objects.filter(source_key=key).exists():
            continue
        try:
            with transaction.atomic():
                done.append(_start(order, plan, line.quantity, line.paid_fen, key))
        except IntegrityError:
            continue  # a concurrent delivery recorded it
    return done


def _start(order: Order, plan: PaidPlan, quantity: int, paid_fen: int, key: str) -> PaidMembership:
    current = PaidMembership.objects.filter(
        customer_id=order.customer_id, plan=plan, status=MembershipStatus.ACTIVE
    ).aggregate(end=Max("ends_at"))["end"]
    starts = max(order.paid_at, current) if current is not None else order.paid_at
    return PaidMembership.objects.create(
        customer_id=order.customer_id, plan=plan, order=order, source_key=key, starts_at=starts,
        ends_at=starts + timedelta(days=plan.term_days * quantity), price_fen=paid_fen,
    )  # fmt: skip


def refund_for(membership: PaidMembership, at: datetime) -> int:
    """The pro-rata refund rule: the unused share of the term, in whole days, of what was
    paid (rounded down); a term not yet started is refunded in full."""
    if at <= membership.starts_at:
        return membership.price_fen
    if at >= membership.ends_at:
        return 0
    term_days = max((membership.ends_at - membership.starts_at).days, 1)
    unused_days = (membership.ends_at - at).days
    return membership.price_fen * unused_days // term_days


@transaction.atomic
def cancel_membership(membership_id: int, *, at: datetime | None = None) -> PaidMembership:
    """End a membership now; records the refund due (the refund itself is paid on the
    platform the order came from). Cancelling twice changes nothing."""
    now = at or timezone.now()
    row = PaidMembership.objects.select_for_update().get(pk=membership_id)
    if row.status == MembershipStatus.CANCELLED:
        return row
    row.refund_fen = refund_for(row, now)
    row.status, row.cancelled_at = MembershipStatus.CANCELLED, now
    row.ends_at = max(min(row.ends_at, now), row.starts_at)
    row.save()
    return row


def reminders_due(at: datetime | None = None) -> QuerySet[PaidMembership]:
    """Active memberships inside their plan's reminder window, not reminded yet, and not
    followed by a renewal."""
    now = at or timezone.now()
    rows = PaidMembership.objects.filter(
        status=MembershipStatus.ACTIVE, reminded_at__isnull=True, ends_at__gt=now,
        ends_at__lte=now + timedelta(days=60),
    ).select_related("plan")  # fmt: skip
    due = [
        m.pk
        for m in rows
        if m.ends_at - timedelta(days=m.plan.remind_days) <= now
        and not PaidMembership.objects.filter(
            customer_id=m.customer_id, plan_id=m.plan_id, status=MembershipStatus.ACTIVE,
            starts_at__gte=m.ends_at,
        ).exists()
    ]  # fmt: skip
    return PaidMembership.objects.filter(pk__in=due).order_by("ends_at", "pk")


REMINDER_SOURCE = "loyalty"


def reminder_key(membership: PaidMembership) -> str:
    """The send's idempotency key: one expiry reminder per membership (a renewal is a
    membership of its own, with its own reminder)."""
    return f"membership-expiry:{membership.pk}"


def reminder_text(membership: PaidMembership) -> str:
    # The brand's language: the member's own is not known. Her name is not in it.
    with translation.override(settings.LANGUAGE_CODE):
        return gettext("Your %(plan)s membership ends on %(day)s. Renew to keep its benefits.") % {
            "plan": membership.plan.name,
            "day": local_date(membership.ends_at).isoformat(),
        }


def send_expiry_reminder(membership: PaidMembership) -> bool:
    """Plan the reminder through the messaging send verb (its policy applies there).
    Returns whether it was planned to go out (a blocked one is not: the next run asks
    again, and the verb writes nothing new)."""
    outcome = send(
        SendRequest(
            source=REMINDER_SOURCE,
            source_id=reminder_key(membership),
            channel=Channel.WEBHOOK,
            message=Message(text=reminder_text(membership)),
            customers=[membership.customer_id],
            purpose="",
            priority=Priority.TRANSACTIONAL,
            title=f"{membership.plan.name}: {reminder_key(membership)}",
        )
    )
    if not outcome.reached:
        log.info("expiry reminder for membership %s blocked: %s", membership.pk, outcome.counts)
    return outcome.reached > 0


def remind_expiring(at: datetime | None = None) -> int:
    """The reminder job: sends outside any transaction (rule 7), then marks each sent
    reminder, so a lost run sends again rather than never."""
    now = at or timezone.now()
    sent = 0
    for membership in reminders_due(now):
        if send_expiry_reminder(membership):
            PaidMembership.objects.filter(pk=membership.pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            sent += 1
    return sent
