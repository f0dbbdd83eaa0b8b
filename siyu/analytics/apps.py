from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "siyu.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from django.conf import settings

        from siyu.worker.schedule import SCHEDULE

        # The brand-wide CLV fit takes a minute at a million buyers: the worker keeps it.
        SCHEDULE.setdefault("analytics_fit_clv", ("siyu.analytics.tasks.fit_brand_clv", 3600))
        if getattr(settings, "SIYU_CLICKHOUSE_URL", ""):
            from siyu.worker.pollers import POLLERS

            # A shared ClickHouse read model is kept fresh by the workers (one at a time).
            POLLERS.setdefault(
                "analytics_clickhouse", ("siyu.analytics.readmodel.sync.poll_clickhouse", 1.0)
            )
