"""Using coupons on an order: reserved at checkout for a while, confirmed when the paid
order arrives (imported from any platform, through the change feed: feed.py), released
when the reservation lapses or the checkout is cancelled.

A coupon moves ``available → reserved → used`` by conditional UPDATEs on its status, so
one coupon can never be reserved for two orders at once, nor used twice.

The caller names the cart's SKUs and quantities only: the goods total the coupons apply to
is priced here, from the shop's list prices (``SkuPrice``) through the price windows,
bundles and add-ons (pricing.py), so a client cannot buy a threshold it did not reach.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from siyu.campaigns.discounts import Offer, Quote, apply_offers
from siyu.campaigns.models import IssuedCoupon, IssuedStatus, Redemption, SkuPrice
from siyu.campaigns.person import person_id_of
from siyu.campaigns.pricing import Line, Priced, price_cart
from siyu.campaigns.refusals import Refused
from siyu.customers.models import Order

RESERVATION_TTL = timedelta(minutes=15)


def _usable(now: datetime) -> Q:
    return Q(expires_at__isnull=True) | Q(expires_at__gt=now)


@dataclass(frozen=True)
class CartLine:
    sku: str
    quantity: int


class UnknownSku(ValueError):
    def __init__(self, skus: Sequence[str]) -> None:
        super().__init__(", ".join(skus))
        self.skus = tuple(skus)


def price_lines(lines: Sequence[CartLine], at: datetime) -> Priced:
    """The cart's goods total from list prices, windows, bundles and add-ons."""
    if any(ln.quantity <= 0 for ln in lines):
        raise ValueError("quantities must be positive")
    wanted: dict[str, int] = {}
    for ln in lines:
        wanted[ln.sku] = wanted.get(ln.sku, 0) + ln.quantity
    prices = dict(SkuPrice.objects.filter(sku__in=wanted).values_list("sku", "list_price_fen"))
    missing = sorted(set(wanted) - set(prices))
    if missing:
        raise UnknownSku(missing)
    return price_cart([Line(sku, q, int(prices[sku])) for sku, q in wanted.items()], at)


@transaction.atomic
def reserve_coupons(
    customer_id: int,
    issued_ids: Sequence[int],
    *,
    platform: str,
    order_no: str,
    lines: Sequence[CartLine],
    shipping_fen: int = 0,
    ttl: timedelta = RESERVATION_TTL,
    now: datetime | None = None,
) -> Quote:
    """Reserve the customer's coupons for the cart ``lines`` being checked out; the quote
    says what they take off the goods total priced here. Raises ``Refused`` (nothing
    reserved), ``StackingError`` or ``UnknownSku``."""
    now = now or timezone.now()
    person = person_id_of(customer_id)
    ids = sorted(set(issued_ids))
    rows = list(IssuedCoupon.objects.filter(pk__in=ids).select_related("coupon").order_by("pk"))
    goods_fen = price_lines(lines, now).goods_fen
    quote = apply_offers(goods_fen, shipping_fen, [Offer.of(r.coupon) for r in rows])
    for row in rows:
        taken = IssuedCoupon.objects.filter(
            _usable(now), pk=row.pk, customer_id=person, status=IssuedStatus.AVAILABLE
        ).update(
            status=IssuedStatus.RESERVED,
            reserved_until=now + ttl,
            reserved_platform=platform,
            reserved_order_no=order_no,
        )
        if not taken:
            raise Refused("not_yours")
    if len(rows) != len(ids):
        raise Refused("not_yours")
    return quote


def _reserved_for(platform: str, order_no: str) -> Q:
    return Q(status=IssuedStatus.RESERVED, reserved_platform=platform, reserved_order_no=order_no)


def release_reservation(platform: str, order_no: str) -> int:
    """The checkout was cancelled: its coupons are the customer's to use again."""
    return IssuedCoupon.objects.filter(_reserved_for(platform, order_no)).update(
        status=IssuedStatus.AVAILABLE,
        reserved_until=None,
        reserved_platform="",
        reserved_order_no="",
    )


def release_lapsed(now: datetime | None = None, limit: int = 500) -> int:
    """The reservation timer: reservations past their TTL go back to available."""
    now = now or timezone.now()
    due = IssuedCoupon.objects.filter(status=IssuedStatus.RESERVED, reserved_until__lte=now)
    ids = list(due.order_by("reserved_until").values_list("pk", flat=True)[:limit])
    return IssuedCoupon.objects.filter(pk__in=ids, status=IssuedStatus.RESERVED).update(
        status=IssuedStatus.AVAILABLE,
        reserved_until=None,
        reserved_platform="",
        reserved_order_no="",
    )


def _record(order: Order, rows: Sequence[IssuedCoupon], now: datetime) -> int:
    quote = apply_offers(order.total_fen, 0, [Offer.of(r.coupon) for r in rows])
    off = {a.key: a.goods_off_fen + a.shipping_off_fen for a in quote.applied}
    used = 0
    for row in rows:
        moved = IssuedCoupon.objects.filter(
            pk=row.pk, status__in=[IssuedStatus.RESERVED, IssuedStatus.AVAILABLE]
        ).update(status=IssuedStatus.USED, used_at=now, reserved_until=None)
        if moved:
            Redemption.objects.create(
                issued=row,
                coupon=row.coupon,
                order=order,
                discount_fen=off.get(row.coupon_id, 0),
                order_paid_fen=order.paid_fen,
                created_at=now,
            )
            used += 1
    return used


@transaction.atomic
def confirm_order(order: Order, now: datetime | None = None) -> int:
    """The paid order arrived: the coupons reserved for it are used. Idempotent (a coupon
    already used is not used again), so the feed may deliver the order twice."""
    now = now or timezone.now()
    rows = list(
        IssuedCoupon.objects.filter(_reserved_for(order.platform, order.order_no))
        .select_related("coupon")
        .order_by("pk")
    )
    return _record(order, rows, now) if rows else 0


@transaction.atomic
def redeem_code(code: str, order: Order, now: datetime | None = None) -> int:
    """An order from a platform that carries the coupon's unique code (a POS cashier typed
    it): used once, by the person it was issued to."""
    now = now or timezone.now()
    row = (
        IssuedCoupon.objects.filter(_usable(now), code=code.strip().upper())
        .select_related("coupon")
        .first()
    )
    if row is None or row.customer_id != person_id_of(order.customer_id):
        raise Refused("not_yours")
    if not _record(order, [row], now):
        raise Refused("not_yours")
    return 1
