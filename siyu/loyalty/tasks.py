"""Background work of loyalty (Django Tasks API). Every job is safe to run again: a
partial run leaves buckets and statuses that the next run simply continues from."""

from __future__ import annotations

from django_tasks import task

from siyu.loyalty import earn, expire, paid, tiers
from siyu.worker.recovery import repeatable


@repeatable
@task()
def move_points() -> dict[str, int]:
    """Pending points whose period ended become usable; expired ones leave the balance."""
    return {"activated": expire.activate_points(), "expired": expire.expire_points()}


@repeatable
@task()
def review_tiers() -> int:
    return tiers.review_tiers()


@repeatable
@task()
def award_birthdays() -> int:
    return earn.award_birthdays()


@repeatable
@task()
def remind_expiring_memberships() -> int:
    return paid.remind_expiring()
