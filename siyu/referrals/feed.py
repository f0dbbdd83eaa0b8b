"""Referrals read the change feed (siyu/customers/changes.py): an event carrying one of our
codes (a WeCom add's ``state``, a mini-program ``scene``, an invite link's ``ref``)
attributes the customer; the programme's qualifying event or first paid order over its
threshold qualifies them; a refund claws back. Every step is idempotent (delivery is at
least once)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from siyu.campaigns.person import NoPerson, person_id_of
from siyu.customers.changes import Change, consume
from siyu.customers.models import ChangeKind, Event, Order
from siyu.referrals.abuse import profiles_of
from siyu.referrals.ambassador import commission_order
from siyu.referrals.attribute import attribute_invitee
from siyu.referrals.codes import code_from_text
from siyu.referrals.models import Qualifier, Referral, ReferralStatus, Via
from siyu.referrals.qualify import qualify_referral
from siyu.referrals.rewards import claw_back_order, keeps_qualifying

CONSUMER = "referrals"
BATCH = 500
# Where an event carries a code, and what that says about how the invitee came.
CODE_PROPERTIES = (("state", Via.WECOM), ("scene", Via.SCENE), ("ref", Via.LINK))


def _open_referrals(customer_id: int) -> list[Referral]:
    try:
        person = person_id_of(customer_id)
    except NoPerson:
        return []
    return list(
        Referral.objects.filter(
            invitee_id__in=profiles_of(person) | {customer_id}, status=ReferralStatus.ATTRIBUTED
        ).select_related("programme")
    )


def handle_event(event: Event) -> None:
    for prop, via in CODE_PROPERTIES:
        code = code_from_text(event.properties.get(prop))
        if code is not None:
            attribute_invitee(code, event.customer_id, via=via, at=event.occurred_at)
            break
    for referral in _open_referrals(event.customer_id):
        programme = referral.programme
        wanted = programme.qualifier == Qualifier.EVENT and programme.event_type == event.type
        if wanted and event.occurred_at >= referral.attributed_at:
            qualify_referral(referral.pk, by=f"event:{event.pk}", at=event.occurred_at)


def handle_order(order: Order) -> None:
    commission_order(order)
    for referral in _open_referrals(order.customer_id):
        programme = referral.programme
        if programme.qualifier != Qualifier.FIRST_ORDER or order.paid_at < referral.attributed_at:
            continue
        if keeps_qualifying(programme, order):
            qualify_referral(
                referral.pk, by=f"order:{order.pk}", at=order.paid_at, order_id=order.pk
            )


def handle_changes(changes: Sequence[Change], now: datetime | None = None) -> None:
    event_ids = [c.ref for c in changes if c.kind == ChangeKind.EVENT and c.ref]
    events = {e.pk: e for e in Event.objects.filter(pk__in=event_ids)}
    order_ids = [c.ref for c in changes if c.kind == ChangeKind.ORDER and c.ref]
    orders = {o.pk: o for o in Order.objects.filter(pk__in=order_ids)}
    for change in changes:
        if change.ref is None:
            continue
        if change.kind == ChangeKind.EVENT and change.ref in events:
            handle_event(events[change.ref])
        elif change.kind == ChangeKind.ORDER and change.ref in orders:
            handle_order(orders[change.ref])
        elif change.kind == ChangeKind.REFUND:
            claw_back_order(change.ref, now)


def poll_changes() -> int:
    """The worker's poller (siyu.worker.pollers): one batch of the feed per call."""
    return consume(CONSUMER, handle_changes, limit=BATCH)
