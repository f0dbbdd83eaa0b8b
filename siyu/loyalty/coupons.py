"""The seam through which a points-mall redemption gets a coupon: campaigns owns coupons
and registers an issuer from its AppConfig.ready; loyalty only calls it.

The issuer runs inside the redemption's transaction (database work only, no network), so
a redemption that fails afterwards (not enough points) rolls the coupon back too, and it
must be idempotent per ``key``: a retried redemption asks again with the same key.
"""

from __future__ import annotations

from typing import Protocol


class CouponUnavailable(ValueError):
    """The issuer cannot give this coupon (none left, limit reached, unknown coupon)."""


class CouponIssuer(Protocol):
    def issue_coupon(self, *, customer_id: int, coupon_ref: str, key: str) -> str:
        """Issue one coupon ``coupon_ref`` to the customer and return its code; the same
        ``key`` returns the same code. Raises ``CouponUnavailable``."""
        ...


_issuer: list[CouponIssuer] = []


def register_coupon_issuer(issuer: CouponIssuer) -> None:
    _issuer[:] = [issuer]


def coupon_issuer() -> CouponIssuer | None:
    return _issuer[0] if _issuer else None
