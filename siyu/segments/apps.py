from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "siyu.segments"
    label = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        # Receivers that enqueue a per-customer membership refresh after a change commits.
        from django.db.models import Q

        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.segments import signals  # noqa: F401
        from siyu.segments.models import Membership, SnapshotMember

        register_customer_rows(
            # One open stint per segment: the survivor's stays, the next refresh decides.
            CustomerRows(Membership, key=("segment",), key_filter=Q(left_at__isnull=True)),
            # A snapshot lists the person once.
            CustomerRows(SnapshotMember, key=("snapshot",)),
        )
