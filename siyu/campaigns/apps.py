from typing import Any

from django.apps import AppConfig
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


def _add_claims(kept: object, other: object) -> None:
    kept.claimed += other.claimed  # type: ignore[attr-defined]


def _add_draws(kept: object, other: object) -> None:
    kept.drawn += other.drawn  # type: ignore[attr-defined]


def _add_taken(kept: object, other: object) -> None:
    kept.taken += other.taken  # type: ignore[attr-defined]


def _scrub_issued(rows: QuerySet[Any]) -> None:
    """An issued coupon keeps its code, status and dates; the order number a checkout
    reserved it for and the issuer's idempotency key (where there is one) go."""
    from siyu.customers.person_rows import erased_marker

    rows.update(reserved_order_no="")
    rows.exclude(issue_key=None).update(**erased_marker("issue_key"))


class CampaignsConfig(AppConfig):
    name = "siyu.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.campaigns import models as m
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows, scrub
        from siyu.worker.pollers import POLLERS

        combine, rows, stub = MergePolicy.COMBINE, export_rows, Erase.STUB
        # Every campaign row stays on a deleted person's stub: limits, stock, discounts
        # given, the lottery's draw log (the auditor replays it from the seed) and the
        # holdout that measures lift all count them. Platform order numbers and the
        # callers' idempotency keys, which can name her, are replaced.
        register_customer_rows(
            # One per person: the merged person has claimed what both profiles claimed.
            CustomerRows(
                m.CouponAllowance,
                combine,
                key=("coupon",),
                combine=_add_claims,
                export=rows,
                erase=stub,
            ),
            CustomerRows(
                m.DrawAllowance,
                combine,
                key=("lottery",),
                combine=_add_draws,
                export=rows,
                erase=stub,
            ),
            CustomerRows(
                m.FlashAllowance,
                combine,
                key=("sale",),
                combine=_add_taken,
                export=rows,
                erase=stub,
            ),
            CustomerRows(
                m.CouponPeriodClaim,
                combine,
                key=("coupon", "period_start"),
                combine=_add_claims,
                export=rows,
                erase=stub,
            ),
            CustomerRows(
                m.LotteryDayDraws,
                combine,
                key=("lottery", "day_start"),
                combine=_add_draws,
                export=rows,
                erase=stub,
            ),
            CustomerRows(m.IssuedCoupon, export=rows, erase=stub, scrub=_scrub_issued),
            CustomerRows(m.Draw, export=rows, erase=stub),
            CustomerRows(m.GroupSeat, export=rows, erase=stub, scrub=scrub("order_no")),
            CustomerRows(m.FlashOrder, export=rows, erase=stub),
            CustomerRows(
                m.HoldoutMember,
                MergePolicy.KEEP_OLDEST,
                key=("coupon",),
                by="pk",
                export=rows,
                erase=stub,
            ),
        )
        POLLERS["campaigns_feed"] = ("siyu.campaigns.feed.poll_changes", 1.0)
        # Durable timers: reservations, unpaid flash orders and group deadlines that fell due.
        POLLERS["campaigns_timers"] = ("siyu.campaigns.timers.poll_timers", 5.0)
