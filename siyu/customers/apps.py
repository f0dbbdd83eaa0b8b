from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "siyu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from siyu.customers import models as m
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows

        register_customer_rows(
            CustomerRows(m.Identity),
            CustomerRows(m.Event),
            CustomerRows(m.Order),
            CustomerRows(m.Consent),
            # The survivor's own tag link and follow win: theirs come back on unmerge.
            CustomerRows(m.CustomerTag, key=("tag",)),
            CustomerRows(m.CustomerFollow, key=("staff",)),
            # Flags travel with the profile, each with its own detail for the reviewer.
            CustomerRows(m.ReviewFlag),
        )

        from siyu.worker.schedule import SCHEDULE

        # The change feed is kept for a week (siyu/customers/changes.py, "Retention").
        SCHEDULE.setdefault("prune_customer_changes", ("siyu.customers.tasks.prune_changes", 86400))
