from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhookConfig(AppConfig):
    name = "siyu.integrations.webhook"
    label = "webhook"
    verbose_name = _("Outbound webhook")

    def ready(self) -> None:
        from siyu.integrations.webhook.transport import WebhookTransport
        from siyu.messaging.models import Channel
        from siyu.messaging.transport import register_transport
        from siyu.worker.pollers import POLLERS

        register_transport(Channel.WEBHOOK, WebhookTransport)
        # The journeys' webhook steps, delivered after their step committed.
        POLLERS.setdefault(
            "journey_webhooks", ("siyu.integrations.webhook.journey_calls.deliver_due", 30.0)
        )
