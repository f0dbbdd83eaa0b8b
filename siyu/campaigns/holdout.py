"""Holdouts: a stable share of the people a mass issue reaches gets nothing, so the
report can compare what the issued and the held-out bought (lift)."""

from __future__ import annotations

import hashlib

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.campaigns.models import Coupon, HoldoutMember
from siyu.campaigns.person import person_id_of


def in_holdout(coupon_id: int, customer_id: int) -> bool:
    percent = Coupon.objects.filter(pk=coupon_id).values_list("holdout_percent", flat=True).first()
    if not percent:
        return False
    person = person_id_of(customer_id)
    digest = hashlib.sha256(f"holdout:{coupon_id}:{person}".encode()).digest()
    return int.from_bytes(digest[:4], "big") % 100 < percent


def note_holdout(coupon_id: int, customer_id: int) -> None:
    try:
        with transaction.atomic():
            HoldoutMember.objects.get_or_create(
                coupon_id=coupon_id,
                customer_id=person_id_of(customer_id),
                defaults={"created_at": timezone.now()},
            )
    except IntegrityError:
        pass  # recorded by a concurrent step
