from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Seconds between polls of due sends and staff tasks when there were none.
DELIVERY_POLL_SECONDS = 0.5


class MessagingConfig(AppConfig):
    name = "siyu.messaging"
    label = "messaging"
    verbose_name = _("Messaging")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.customers.merge_hooks import CustomerRows, MergePolicy, register_customer_rows
        from siyu.customers.person_rows import Erase, export_rows
        from siyu.messaging.forget import forget_notices, forget_sends
        from siyu.messaging.models import RecipientZone, Send, SendPlan
        from siyu.messaging.rekey import rekey_sends
        from siyu.worker.pollers import POLLERS
        from siyu.worker.schedule import SCHEDULE

        register_customer_rows(
            # The send log stays on a deleted person's stub (the brand's send and budget
            # figures); what had not gone out is cancelled and removed, the rest scrubbed
            # (siyu/messaging/forget.py).
            # Re-keyed to the survivor too, so the caps and budget count the person's sends.
            CustomerRows(
                Send,
                export=export_rows,
                erase=Erase.STUB,
                scrub=forget_sends,
                rekey=rekey_sends,
            ),
            # A notice to staff about her follows her profile; a deletion blanks its text.
            CustomerRows(
                SendPlan, field="about", export=export_rows, erase=Erase.STUB, scrub=forget_notices
            ),
            CustomerRows(
                RecipientZone,
                MergePolicy.KEEP_NEWEST,
                key=(),
                by="updated_at",
                export=export_rows,
                erase=Erase.DELETE,
            ),
        )
        POLLERS.setdefault(
            "messaging_delivery", ("siyu.messaging.delivery.poll_delivery", DELIVERY_POLL_SECONDS)
        )
        SCHEDULE.setdefault("messaging_follow_up", ("siyu.messaging.tasks.follow_up_tasks", 300))
        SCHEDULE.setdefault(
            "messaging_reconcile", ("siyu.messaging.tasks.reconcile_nightly", 86400)
        )
