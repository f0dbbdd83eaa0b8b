from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "siyu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from siyu.customers import models as m
        from siyu.customers.merge_hooks import CustomerRows, register_customer_rows
        from siyu.customers.person_rows import (
            Erase,
            export_identities,
            export_orders,
            export_rows,
            scrub,
        )

        rows, delete = export_rows, Erase.DELETE
        register_customer_rows(
            CustomerRows(m.Identity, export=export_identities, erase=delete),
            # Behaviour stays for the brand's activity figures, without its free text.
            CustomerRows(
                m.Event,
                export=rows,
                erase=Erase.STUB,
                scrub=scrub("idempotency_key", properties={}),
            ),
            # Amounts and dates stay for the accounts (GMV); the platform's number goes.
            CustomerRows(m.Order, export=export_orders, erase=Erase.STUB, scrub=scrub("order_no")),
            CustomerRows(m.Consent, export=rows, erase=delete),
            # The survivor's own tag link and follow win: theirs come back on unmerge.
            CustomerRows(m.CustomerTag, key=("tag",), export=rows, erase=delete),
            CustomerRows(m.CustomerFollow, key=("staff",), export=rows, erase=delete),
            # Flags travel with the profile, each with its own detail for the reviewer.
            CustomerRows(m.ReviewFlag, export=rows, erase=delete),
        )

        from siyu.worker.schedule import SCHEDULE

        # The change feed is kept for a week (siyu/customers/changes.py, "Retention").
        SCHEDULE.setdefault("prune_customer_changes", ("siyu.customers.tasks.prune_changes", 86400))
