from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def keep_higher_tier(kept: Any, other: Any) -> None:
    """Two profiles of one person: the person keeps the better of their two tiers."""
    mine = kept.tier.rank if kept.tier_id else -1
    theirs = other.tier.rank if other.tier_id else -1
    if theirs > mine:
        kept.tier_id, kept.since, kept.review_at = other.tier_id, other.since, other.review_at
        kept.grace_until = other.grace_until


class LoyaltyConfig(AppConfig):
    name = "siyu.loyalty"
    label = "loyalty"
    verbose_name = _("Loyalty")

    def ready(self) -> None:
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows, scrub
        from siyu.loyalty import models as m

        rows, stub, delete = export_rows, Erase.STUB, Erase.DELETE
        register_customer_rows(
            # Buckets and entries move: the survivor's balance becomes the sum of both,
            # and unmerge moves each bucket (with what is left in it) back.
            # On deletion the points stay on the stub (the brand's points liability), without
            # the keys that carry callers' ids (a journey's, an event's) or free text.
            CustomerRows(m.PointsBucket, export=rows, erase=stub, scrub=scrub("source_id")),
            CustomerRows(m.LedgerEntry, export=rows, erase=stub, scrub=scrub("key", reason="")),
            # One check-in per person and day: the earlier one stays.
            CustomerRows(
                m.CheckIn,
                policy=MergePolicy.KEEP_OLDEST,
                key=("day",),
                by="created_at",
                export=rows,
                erase=delete,
            ),
            # Her tier and its history are about her only: they go.
            CustomerRows(
                m.TierStatus,
                policy=MergePolicy.COMBINE,
                key=(),
                combine=keep_higher_tier,
                export=rows,
                erase=delete,
            ),
            CustomerRows(m.TierChange, export=rows, erase=delete),
            # Paid terms and redemptions are in the accounts (prices, refunds, points spent);
            # a redemption's key is the caller's (the member page's), so it goes.
            CustomerRows(m.PaidMembership, export=rows, erase=stub),
            CustomerRows(m.Redemption, export=rows, erase=stub, scrub=scrub("key")),
        )

        from siyu.worker.pollers import POLLERS
        from siyu.worker.schedule import SCHEDULE

        SCHEDULE.setdefault("loyalty_move_points", ("siyu.loyalty.tasks.move_points", 600))
        SCHEDULE.setdefault("loyalty_review_tiers", ("siyu.loyalty.tasks.review_tiers", 3600))
        SCHEDULE.setdefault("loyalty_birthdays", ("siyu.loyalty.tasks.award_birthdays", 3600))
        SCHEDULE.setdefault(
            "loyalty_membership_reminders",
            ("siyu.loyalty.tasks.remind_expiring_memberships", 3600),
        )

        # Purchases, refunds and task events earn (and take back) points from the change
        # feed: every worker polls it, one holds the lease.
        POLLERS.setdefault("loyalty_feed", ("siyu.loyalty.feed.poll_changes", 1.0))
