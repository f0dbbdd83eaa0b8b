"""Taking an issued coupon back while it is still unused (a reward clawed back on refund).

One conditional UPDATE from ``available`` (or ``expired``: unused either way) to
``revoked`` decides, so a revoke beside a checkout either wins before the coupon is
reserved or finds it reserved or used. A coupon reserved at a checkout or used on an order
is not taken back: the discount is given (or being given) already; the caller records it
as not recoverable. Calling it again answers the same.
"""

from __future__ import annotations

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _

from siyu.campaigns.models import IssuedCoupon, IssuedStatus


class Revoke(TextChoices):
    REVOKED = "revoked", _("Taken back unused")
    USED = "used", _("Already used: not recoverable")
    NONE = "none", _("No coupon was issued")


def revoke_issued(issue_key: str) -> Revoke:
    """Revoke the coupon issued under ``issue_key`` if it is unused."""
    issued = IssuedCoupon.objects.filter(issue_key=issue_key).values_list("pk", flat=True).first()
    if issued is None:
        return Revoke.NONE
    IssuedCoupon.objects.filter(
        pk=issued, status__in=[IssuedStatus.AVAILABLE, IssuedStatus.EXPIRED]
    ).update(status=IssuedStatus.REVOKED, reserved_until=None)
    status = IssuedCoupon.objects.filter(pk=issued).values_list("status", flat=True).get()
    return Revoke.REVOKED if status == IssuedStatus.REVOKED else Revoke.USED
