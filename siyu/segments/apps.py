from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "siyu.segments"
    label = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        from django.db.models import Q

        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.segments.models import Membership, SnapshotMember

        # A deleted person leaves every segment and every frozen member list.
        register_customer_rows(
            # One open stint per segment: the survivor's stays, the next refresh decides.
            CustomerRows(
                Membership,
                key=("segment",),
                key_filter=Q(left_at__isnull=True),
                export=export_rows,
                erase=Erase.DELETE,
            ),
            # A snapshot lists the person once.
            CustomerRows(SnapshotMember, key=("snapshot",), export=export_rows, erase=Erase.DELETE),
        )

        from siyu.segments.feed import POLL_SECONDS
        from siyu.worker.pollers import POLLERS

        # Membership follows the change feed: every worker polls it, one holds the lease.
        POLLERS.setdefault("segments_feed", ("siyu.segments.feed.poll_changes", POLL_SECONDS))
