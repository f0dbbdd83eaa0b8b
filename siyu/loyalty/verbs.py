"""Loyalty's verbs for journeys (and any other caller that is not loyalty itself): plain
functions, each one transaction, each idempotent by the key the caller gives."""

from __future__ import annotations

from siyu.loyalty.ledger import Award, balance
from siyu.loyalty.ledger import award_points as _award
from siyu.loyalty.perks import current_tier


def award_points(
    customer_id: int, points: int, *, key: str, reason: str = "", valid_days: int = 365
) -> int:
    """Give ``points`` to a customer now (usable at once, valid ``valid_days``).

    ``key`` names the occasion — a journey passes its enrollment and step, e.g.
    ``"journey:12:step:3:enrollment:881"`` — so a step that runs twice awards once.
    Returns the points of the award (the first award's, on a repeat)."""
    award = Award(
        rule="journey", source="journey", source_id=key[:64], points=points,
        valid_days=valid_days, reason=reason,
    )  # fmt: skip
    return _award(customer_id, award).points


def points_balance(customer_id: int) -> int:
    """The points a customer can spend now (a journey branch: "has at least 500 points")."""
    return balance(customer_id)


def tier_rank(customer_id: int) -> int:
    """The customer's tier rank, -1 without a tier (a branch: "gold or above")."""
    tier = current_tier(customer_id)
    return tier.rank if tier is not None else -1
