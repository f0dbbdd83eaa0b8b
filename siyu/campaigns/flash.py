"""Flash sale (秒杀): its own stock, a per-person cap, and an unpaid order that lapses.

Taking stock and a person's allowance are conditional UPDATEs (``sold + q <= stock``,
``taken + q <= per_person_limit``) with CHECK constraints behind them; an order not paid
within ``pay_minutes`` lapses (a durable timer on ``pay_by``) and gives both back. A
payment that arrives after its order lapsed is refused: the stock may be someone else's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from siyu.campaigns.allowance import locked_person_id, take_allowance
from siyu.campaigns.models import (
    CampaignStatus,
    FlashAllowance,
    FlashOrder,
    FlashOrderStatus,
    FlashSale,
)
from siyu.campaigns.refusals import Refused


@transaction.atomic
def buy_flash(
    sale_id: int, customer_id: int, quantity: int = 1, *, now: datetime | None = None
) -> FlashOrder:
    now = now or timezone.now()
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    person = locked_person_id(customer_id)
    sale = FlashSale.objects.get(pk=sale_id)
    if sale.status != CampaignStatus.PUBLISHED:
        raise Refused("not_published")
    if now < sale.starts_at:
        raise Refused("not_started")
    if now >= sale.ends_at:
        raise Refused("ended")
    if not take_allowance(
        FlashAllowance, "taken", sale.per_person_limit, quantity, sale=sale, customer_id=person
    ):
        raise Refused("person_limit")
    stock = FlashSale.objects.filter(pk=sale.pk, sold__lte=F("stock") - quantity)
    if not stock.update(sold=F("sold") + quantity):
        raise Refused("sold_out")
    return FlashOrder.objects.create(
        sale=sale,
        customer_id=person,
        quantity=quantity,
        pay_by=now + timedelta(minutes=sale.pay_minutes),
        created_at=now,
    )


def pay_flash(order_id: int, now: datetime | None = None) -> None:
    now = now or timezone.now()
    paid = FlashOrder.objects.filter(
        pk=order_id, status=FlashOrderStatus.UNPAID, pay_by__gt=now
    ).update(status=FlashOrderStatus.PAID)
    if not paid:
        raise Refused("expired")


def _lapse(order: FlashOrder) -> bool:
    with transaction.atomic():
        if not FlashOrder.objects.filter(pk=order.pk, status=FlashOrderStatus.UNPAID).update(
            status=FlashOrderStatus.LAPSED
        ):
            return False
        FlashSale.objects.filter(pk=order.sale_id).update(sold=F("sold") - order.quantity)
        FlashAllowance.objects.filter(sale_id=order.sale_id, customer_id=order.customer_id).update(
            taken=F("taken") - order.quantity
        )
        return True


def lapse_unpaid(now: datetime | None = None, limit: int = 500) -> int:
    """The payment timer: unpaid orders past ``pay_by`` lapse and return their stock."""
    now = now or timezone.now()
    due = FlashOrder.objects.filter(status=FlashOrderStatus.UNPAID, pay_by__lte=now)
    return sum(_lapse(order) for order in due.order_by("pay_by")[:limit])
