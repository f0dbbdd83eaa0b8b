"""积分商城 redemption: goods with stock, or a coupon through the campaigns seam.

One transaction: take the stock with a conditional UPDATE (``stock >= quantity``: never
oversold, whatever the concurrency; the UPDATE also holds the item's row lock until the
transaction ends, so the per-customer count that follows sees every earlier redemption of
the item), check the customer's limit, spend the points (earliest-expiring first), then
issue the coupon if the item is one. Any refusal rolls everything back.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.loyalty.coupons import CouponUnavailable, coupon_issuer
from siyu.loyalty.ledger import restore_spend, spend_points
from siyu.loyalty.models import DeliveryStatus, ItemKind, MallItem, Redemption, Status


class RedeemRefused(ValueError):
    """Out of stock, over the per-customer limit, not enough points, not on sale."""


def redeem_item(
    customer_id: int, item_id: int, *, key: str, quantity: int = 1, at: datetime | None = None
) -> Redemption:
    """Redeem ``quantity`` of a published mall item; ``key`` makes a retry return the
    first redemption. Raises ``RedeemRefused`` (or ``InsufficientPoints``) with the reason."""
    if quantity <= 0:
        raise RedeemRefused(_("Redeem at least one."))
    found = Redemption.objects.filter(key=key).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _redeem(customer_id, item_id, key, quantity, at or timezone.now())
    except IntegrityError:
        found = Redemption.objects.filter(key=key).first()
        if found is None:
            raise
        return found


def _redeem(customer_id: int, item_id: int, key: str, quantity: int, now: datetime) -> Redemption:
    item = MallItem.objects.filter(pk=item_id, status=Status.ACTIVE).first()
    if item is None:
        raise RedeemRefused(_("This item is not available."))
    taken = MallItem.objects.filter(pk=item.pk, stock__gte=quantity).update(
        stock=F("stock") - quantity
    )
    if not taken:
        raise RedeemRefused(_("Out of stock."))
    if item.per_customer_limit:
        mine = Redemption.objects.filter(customer_id=customer_id, item=item).exclude(
            status=DeliveryStatus.CANCELLED
        )
        had = int(mine.aggregate(n=Sum("quantity"))["n"] or 0)
        if had + quantity > item.per_customer_limit:
            raise RedeemRefused(_("At most %(n)d per customer.") % {"n": item.per_customer_limit})
    points = item.points_cost * quantity
    spend_points(customer_id, points, key=f"redeem:{key}", reason=item.name, at=now)
    code, status = "", DeliveryStatus.PLACED
    if item.kind == ItemKind.COUPON:
        code, status = _issue(customer_id, item, key), DeliveryStatus.ISSUED
    return Redemption.objects.create(
        customer_id=customer_id, item=item, quantity=quantity, points=points, key=key,
        status=status, coupon_code=code,
    )  # fmt: skip


def _issue(customer_id: int, item: MallItem, key: str) -> str:
    issuer = coupon_issuer()
    if issuer is None:
        raise RedeemRefused(_("Coupons cannot be redeemed yet."))
    try:
        return issuer.issue_coupon(customer_id=customer_id, coupon_ref=item.coupon_ref, key=key)
    except CouponUnavailable as exc:
        raise RedeemRefused(str(exc)) from exc


NEXT = {
    DeliveryStatus.PLACED: {DeliveryStatus.SHIPPED, DeliveryStatus.CANCELLED},
    DeliveryStatus.SHIPPED: {DeliveryStatus.DELIVERED},
}


@transaction.atomic
def set_delivery(
    redemption_id: int, status: DeliveryStatus, *, tracking_no: str = ""
) -> Redemption:
    """Move a goods redemption along placed → shipped → delivered, or cancel it while
    placed: a cancellation returns the stock and the points."""
    row = Redemption.objects.select_for_update().get(pk=redemption_id)
    if row.status == status:
        return row
    if status not in NEXT.get(DeliveryStatus(row.status), set()):
        raise RedeemRefused(_("This redemption cannot move to that status."))
    row.status = status
    row.tracking_no = tracking_no[:64] or row.tracking_no
    row.save(update_fields=["status", "tracking_no", "updated_at"])
    if status == DeliveryStatus.CANCELLED:
        MallItem.objects.filter(pk=row.item_id).update(stock=F("stock") + row.quantity)
        restore_spend(f"redeem:{row.key}", restore_key=f"redeem-cancel:{row.key}")
    return row
