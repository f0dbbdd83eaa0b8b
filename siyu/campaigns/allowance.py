"""A person's allowance of a campaign (claims of a coupon, draws of a lottery, units of a
flash sale): one row per (campaign, person), taken with one conditional UPDATE
(``used = used + n WHERE used + n <= limit``). The first take creates the row; two first
takes meet at the row's unique index and the loser takes from the winner's row."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import F

from siyu.campaigns.person import NoPerson, lock_person
from siyu.campaigns.refusals import Refused


def take_allowance(
    model: type[models.Model], field: str, limit: int, amount: int = 1, **row: Any
) -> bool:
    """Use ``amount`` of the person's ``limit``; False (nothing used) when it would go over."""
    if amount > limit:
        return False
    mine = model._default_manager.filter(**row)
    room = mine.filter(**{f"{field}__lte": limit - amount})
    if room.update(**{field: F(field) + amount}):
        return True
    if mine.exists():
        return False
    try:
        with transaction.atomic():
            model._default_manager.create(**row, **{field: amount})
        return True
    except IntegrityError:
        return bool(room.update(**{field: F(field) + amount}))


def locked_person_id(customer_id: int) -> int:
    """The person behind a profile, row-locked for the verb's transaction (person.py)."""
    try:
        return lock_person(customer_id).pk
    except NoPerson as exc:
        raise Refused("no_person", exc.message) from exc
