"""Claiming a coupon: never more than its stock, never more than a person's limits.

Each limit is one conditional UPDATE whose row count says whether there was room, inside
one transaction with the person's profile locked (person.py):

1. the person's allowance row: ``claimed = claimed + 1 WHERE claimed < per_person_limit``
   (the row is created on first claim; two first claims meet at its unique index);
2. the period limit: the person's row for the period (``CouponPeriodClaim``; a row per
   person and period rather than a counter key, so a merge adds the two profiles' claims);
3. the stock, last, so the one row every claimer wants is locked for the shortest time:
   ``issued = issued + 1 WHERE issued < total_limit`` (and a CHECK constraint behind it).

PostgreSQL re-evaluates the WHERE of an UPDATE that waited for a row lock against the row
as committed, so 1,000 claims of 100 issue exactly 100. Any refusal raises, and the
transaction rolls back what the earlier steps took.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from siyu.campaigns.allowance import locked_person_id, take_allowance
from siyu.campaigns.models import (
    CampaignStatus,
    Coupon,
    CouponAllowance,
    CouponCode,
    CouponPeriodClaim,
    IssuedCoupon,
)
from siyu.campaigns.refusals import Refused
from siyu.core.clock import Period, day_of, month_of, week_of

PERIODS = {"day": day_of, "week": week_of, "month": month_of}


def check_open(coupon: Coupon, now: datetime) -> None:
    if coupon.status != CampaignStatus.PUBLISHED:
        raise Refused("not_published")
    if coupon.claim_from and now < coupon.claim_from:
        raise Refused("not_started")
    if coupon.claim_until and now >= coupon.claim_until:
        raise Refused("ended")


def period_window(coupon: Coupon, now: datetime) -> Period:
    return PERIODS[coupon.period](now)


def _take_stock(coupon: Coupon) -> None:
    rows = Coupon.objects.filter(pk=coupon.pk, status=CampaignStatus.PUBLISHED)
    if coupon.total_limit is not None:
        rows = rows.filter(issued__lt=F("total_limit"))
    if not rows.update(issued=F("issued") + 1):
        raise Refused("sold_out")


def _expiry(coupon: Coupon, now: datetime) -> datetime | None:
    ends = [coupon.use_until] if coupon.use_until else []
    if coupon.valid_days:
        ends.append(now + timedelta(days=coupon.valid_days))
    return min(ends) if ends else None


def _hand_out_code(coupon: Coupon, issued: IssuedCoupon) -> None:
    # SKIP LOCKED: concurrent claims take different free codes instead of queueing on one.
    free = CouponCode.objects.select_for_update(skip_locked=True).filter(
        coupon=coupon, issued__isnull=True
    )
    code = free.order_by("pk").first()
    if code is None:
        raise Refused("sold_out")
    code.issued = issued
    code.save(update_fields=["issued"])
    issued.code = code.code
    issued.save(update_fields=["code"])


def claim_coupon(
    coupon_id: int,
    customer_id: int,
    *,
    source: str = "claim",
    issue_key: str | None = None,
    now: datetime | None = None,
) -> IssuedCoupon:
    """Issue one coupon to the person behind ``customer_id``, or raise ``Refused``.

    ``issue_key`` makes a repeated issue (a journey step run twice) return the first."""
    now = now or timezone.now()
    if issue_key:
        found = IssuedCoupon.objects.filter(issue_key=issue_key).first()
        if found is not None:
            return found
    try:
        return _claim(coupon_id, customer_id, source, issue_key, now)
    except IntegrityError:
        if issue_key:
            found = IssuedCoupon.objects.filter(issue_key=issue_key).first()
            if found is not None:
                return found
        raise


@transaction.atomic
def _claim(
    coupon_id: int, customer_id: int, source: str, issue_key: str | None, now: datetime
) -> IssuedCoupon:
    coupon = Coupon.objects.get(pk=coupon_id)
    check_open(coupon, now)
    if coupon.total_limit is not None and coupon.issued >= coupon.total_limit:
        # Issued only grows: a sold-out read is final, so refuse before taking any lock.
        # (Room in this read proves nothing; the UPDATE in _take_stock decides.)
        raise Refused("sold_out")
    person = locked_person_id(customer_id)
    if not take_allowance(
        CouponAllowance, "claimed", coupon.per_person_limit, coupon=coupon, customer_id=person
    ):
        raise Refused("person_limit")
    if coupon.period_limit is not None and not take_allowance(
        CouponPeriodClaim,
        "claimed",
        coupon.period_limit,
        coupon=coupon,
        customer_id=person,
        period_start=period_window(coupon, now).start,
    ):
        raise Refused("period_limit")
    _take_stock(coupon)
    issued = IssuedCoupon.objects.create(
        coupon=coupon,
        customer_id=person,
        source=source,
        issue_key=issue_key,
        expires_at=_expiry(coupon, now),
        created_at=now,
    )
    if coupon.uses_code_pool:
        _hand_out_code(coupon, issued)
    return issued


def claim_by_code(code: str, customer_id: int, *, now: datetime | None = None) -> IssuedCoupon:
    """Claim with a coupon's public code (typed by the customer)."""
    coupon = Coupon.objects.filter(public_code=code.strip().upper()).first()
    if coupon is None or not code.strip():
        raise Refused("no_code")
    return claim_coupon(coupon.pk, customer_id, source="code", now=now)
