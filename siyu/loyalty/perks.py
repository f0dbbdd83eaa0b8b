"""What a customer's tier and paid membership give them right now (reads only)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from siyu.loyalty.models import MembershipStatus, PaidMembership, Tier, TierStatus


@dataclass(frozen=True)
class Perks:
    tier: Tier | None
    plans: tuple[str, ...]
    discount_percent: int
    free_shipping: bool
    priority_purchase: bool
    exclusive_service: bool
    points_multiplier: int
    birthday_multiplier: int


def current_tier(customer_id: int) -> Tier | None:
    status = TierStatus.objects.filter(customer_id=customer_id).select_related("tier").first()
    return status.tier if status is not None else None


def perks_of(customer_id: int, at: datetime) -> Perks:
    """Tier and paid plans combined: the best discount, any free shipping, multipliers
    multiplied (percent)."""
    tier = current_tier(customer_id)
    plans = [
        m.plan
        for m in PaidMembership.objects.filter(
            customer_id=customer_id, status=MembershipStatus.ACTIVE, starts_at__lte=at,
            ends_at__gt=at,
        ).select_related("plan")
    ]  # fmt: skip
    multiplier = tier.points_multiplier if tier else 100
    for plan in plans:
        multiplier = multiplier * plan.points_multiplier // 100
    discounts = [tier.discount_percent if tier else 100, *(p.discount_percent for p in plans)]
    return Perks(
        tier=tier,
        plans=tuple(sorted({p.name for p in plans})),
        discount_percent=min(discounts),
        free_shipping=bool(tier and tier.free_shipping) or any(p.free_shipping for p in plans),
        priority_purchase=bool(tier and tier.priority_purchase),
        exclusive_service=bool(tier and tier.exclusive_service),
        points_multiplier=multiplier,
        birthday_multiplier=tier.birthday_multiplier if tier else 100,
    )


def points_multiplier(customer_id: int, at: datetime) -> int:
    return perks_of(customer_id, at).points_multiplier


def birthday_multiplier(customer_id: int, at: datetime) -> int:
    return perks_of(customer_id, at).birthday_multiplier
