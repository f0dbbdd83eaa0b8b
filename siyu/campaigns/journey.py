"""Verbs a journey step can call (the journeys engine names them by import path)."""

from __future__ import annotations

from siyu.campaigns.claim import claim_coupon
from siyu.campaigns.holdout import in_holdout, note_holdout
from siyu.campaigns.models import IssuedCoupon
from siyu.campaigns.refusals import Refused


def issue_coupon(coupon_id: int, customer_id: int, *, step_key: str) -> IssuedCoupon | None:
    """Issue one coupon to a customer from a journey step.

    ``step_key`` names the enrolment and step (e.g. ``"journey:7:enrol:42:step:3"``): a step
    run again (a worker retry) returns the coupon it issued the first time. A customer in the
    coupon's holdout gets none (None), and is recorded there so the report can measure lift.
    A refusal (sold out, the person's limit reached) also returns None: a journey goes on."""
    if in_holdout(coupon_id, customer_id):
        note_holdout(coupon_id, customer_id)
        return None
    try:
        return claim_coupon(coupon_id, customer_id, source="journey", issue_key=step_key)
    except Refused:
        return None
