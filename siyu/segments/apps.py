from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SegmentsConfig(AppConfig):
    name = "siyu.segments"
    label = "segments"
    verbose_name = _("Segments")

    def ready(self) -> None:
        # Receivers that enqueue a per-customer membership refresh after a change commits.
        from siyu.segments import signals  # noqa: F401
