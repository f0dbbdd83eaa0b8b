"""Periodic work: pay out rewards whose hold has ended, settle frozen commissions."""

from __future__ import annotations

from django_tasks import task

from siyu.referrals.ambassador import settle_due
from siyu.referrals.rewards import release_due
from siyu.referrals.sweep import sweep_referrals
from siyu.worker.recovery import repeatable


@repeatable
@task()
def release_rewards() -> int:
    """Repeatable: paying is a conditional UPDATE per reward, so a rerun pays nothing twice."""
    return release_due()


@repeatable
@task()
def sweep_rings() -> int:
    """Repeatable: holding a referral for review twice holds it once."""
    return len(sweep_referrals().flagged)


@repeatable
@task()
def settle_commissions() -> int:
    """Repeatable: settling is a conditional UPDATE from frozen."""
    return settle_due()
