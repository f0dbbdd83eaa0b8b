from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "siyu.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from siyu.channels.models import Attribution, Touch, WelcomeSend
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows, scrub

        # A deleted person's touches stay on the anonymous stub: CAC and ROI per channel
        # count them. Keys and codes carrying WeCom ids are replaced.
        stub = Erase.STUB
        register_customer_rows(
            # First touch is the earliest of the two people's: the other is kept for unmerge.
            CustomerRows(
                Attribution,
                MergePolicy.KEEP_OLDEST,
                key=(),
                by="touched_at",
                export=export_rows,
                erase=stub,
            ),
            CustomerRows(Touch, export=export_rows, erase=stub, scrub=scrub("idempotency_key")),
            CustomerRows(
                WelcomeSend,
                export=export_rows,
                erase=stub,
                scrub=scrub("welcome_code", last_error=""),
            ),
        )
