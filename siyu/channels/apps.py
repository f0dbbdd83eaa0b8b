from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "siyu.channels"
    label = "channels"
    verbose_name = _("Channels")

    def ready(self) -> None:
        from siyu.channels.models import Attribution, Touch, WelcomeSend
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows

        register_customer_rows(
            # First touch is the earliest of the two people's: the other is kept for unmerge.
            CustomerRows(Attribution, MergePolicy.KEEP_OLDEST, key=(), by="touched_at"),
            CustomerRows(Touch),
            CustomerRows(WelcomeSend),
        )
