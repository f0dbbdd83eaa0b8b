"""Attribute a new WeCom contact to the channel whose code they scanned (from `state`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction

from siyu.channels.models import Attribution, Channel, ChannelCode, Touch
from siyu.core.models import Staff
from siyu.customers.models import Customer


@dataclass(frozen=True)
class AttributionResult:
    channel: Channel
    code: ChannelCode
    touch: Touch
    first_touch: bool  # this touch became the customer's attribution
    new_touch: bool  # False when the same add event arrived again


def code_for_state(state: str) -> ChannelCode | None:
    if not state:
        return None
    return ChannelCode.objects.select_related("channel").filter(state=state).first()


def _touch(
    customer: Customer, code: ChannelCode, staff: Staff | None, at: datetime, key: str
) -> tuple[Touch, bool]:
    try:
        with transaction.atomic():
            touch = Touch.objects.create(
                customer=customer,
                channel=code.channel,
                code=code,
                staff=staff,
                occurred_at=at,
                idempotency_key=key,
            )
            return touch, True
    except IntegrityError:
        return Touch.objects.get(idempotency_key=key), False


@transaction.atomic
def attribute_contact(
    customer: Customer,
    *,
    state: str,
    staff: Staff | None,
    occurred_at: datetime,
    idempotency_key: str,
) -> AttributionResult | None:
    """Record the touch; the first touch becomes the attribution and is never replaced.
    None when ``state`` is not one of our codes (a code made elsewhere, or none)."""
    code = code_for_state(state)
    if code is None:
        return None
    touch, new = _touch(customer, code, staff, occurred_at, idempotency_key)
    # get_or_create absorbs the race of two first touches arriving together (unique
    # customer): the loser reads the winner's row.
    _attribution, created = Attribution.objects.get_or_create(
        customer=customer,
        defaults={
            "channel": code.channel,
            "code": code,
            "staff": staff,
            "touched_at": occurred_at,
        },
    )
    return AttributionResult(code.channel, code, touch, first_touch=created, new_touch=new)
