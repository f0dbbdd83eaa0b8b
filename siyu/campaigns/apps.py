from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _add_claims(kept: object, other: object) -> None:
    kept.claimed += other.claimed  # type: ignore[attr-defined]


def _add_draws(kept: object, other: object) -> None:
    kept.drawn += other.drawn  # type: ignore[attr-defined]


def _add_taken(kept: object, other: object) -> None:
    kept.taken += other.taken  # type: ignore[attr-defined]


class CampaignsConfig(AppConfig):
    name = "siyu.campaigns"
    label = "campaigns"
    verbose_name = _("Campaigns")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.campaigns import models as m
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.worker.pollers import POLLERS

        combine = MergePolicy.COMBINE
        register_customer_rows(
            # One per person: the merged person has claimed what both profiles claimed.
            CustomerRows(m.CouponAllowance, combine, key=("coupon",), combine=_add_claims),
            CustomerRows(m.DrawAllowance, combine, key=("lottery",), combine=_add_draws),
            CustomerRows(m.FlashAllowance, combine, key=("sale",), combine=_add_taken),
            CustomerRows(m.IssuedCoupon),
            CustomerRows(m.Draw),
            CustomerRows(m.GroupSeat),
            CustomerRows(m.FlashOrder),
            CustomerRows(m.HoldoutMember, MergePolicy.KEEP_OLDEST, key=("coupon",), by="pk"),
        )
        POLLERS["campaigns_feed"] = ("siyu.campaigns.feed.poll_changes", 1.0)
        # Durable timers: reservations, unpaid flash orders and group deadlines that fell due.
        POLLERS["campaigns_timers"] = ("siyu.campaigns.timers.poll_timers", 5.0)
