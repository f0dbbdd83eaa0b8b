from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "siyu.segments"
    label = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        from siyu.segments.feed import POLL_SECONDS
        from siyu.worker.pollers import POLLERS

        # Membership follows the change feed: every worker polls it, one holds the lease.
        POLLERS.setdefault("segments_feed", ("siyu.segments.feed.poll_changes", POLL_SECONDS))
