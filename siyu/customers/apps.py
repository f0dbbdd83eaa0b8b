from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "siyu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from siyu.worker.schedule import SCHEDULE

        # The change feed is kept for a week (siyu/customers/changes.py, "Retention").
        SCHEDULE.setdefault("prune_customer_changes", ("siyu.customers.tasks.prune_changes", 86400))
