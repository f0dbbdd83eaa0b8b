from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

DAY_SECONDS = 24 * 3600
TRANSFER_POLL_SECONDS = 15 * 60


class WecomSyncConfig(AppConfig):
    name = "siyu.integrations.wecom.syncstate"
    label = "wecom_sync"
    verbose_name = _("WeCom sync and transfers")  # still runs the transfer polling
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.integrations.wecom import transfer
        from siyu.worker.schedule import SCHEDULE

        transfer.connect_transfer_fail()
        SCHEDULE.setdefault(
            "wecom_reconcile_follows",
            ("siyu.integrations.wecom.sync.tasks.reconcile_follows_task", DAY_SECONDS),
        )
        # Transfers settle within 24 h (the customer may refuse); WeCom sends a callback
        # only for failures, so success is learnt by polling.
        SCHEDULE.setdefault(
            "wecom_poll_transfers",
            ("siyu.integrations.wecom.sync.tasks.poll_transfers_task", TRANSFER_POLL_SECONDS),
        )
