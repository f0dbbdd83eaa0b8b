from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.translation import gettext_lazy as _

# Seconds between polls of the callback inbox when it was empty.
INBOX_POLL_SECONDS = 0.2
# And of the outbox of WeCom calls (channel-code updates, tag names, card tags).
OUTBOX_POLL_SECONDS = 0.5


def check_callback_settings(**_kwargs: Any) -> list[checks.CheckMessage]:
    """A mistyped EncodingAESKey would refuse every callback; say so at start-up instead."""
    from siyu.integrations.wecom.crypto import aes_key

    key = settings.SIYU_WECOM_AES_KEY
    if not key:
        return []
    try:
        aes_key(key)
    except ValueError as exc:
        return [checks.Error(f"SIYU_WECOM_AES_KEY: {exc}", id="wecom.E001")]
    return []


def _register_transports() -> None:
    from siyu.integrations.wecom.messaging import (
        AppMessageTransport,
        GroupMassTransport,
        MassTransport,
        MomentTransport,
    )
    from siyu.messaging.models import Channel
    from siyu.messaging.transport import register_transport

    register_transport(Channel.WECOM_CUSTOMER, MassTransport)
    register_transport(Channel.WECOM_GROUP, GroupMassTransport)
    register_transport(Channel.WECOM_MOMENT, MomentTransport)
    register_transport(Channel.WECOM_APP, AppMessageTransport)


class WecomConfig(AppConfig):
    name = "siyu.integrations.wecom"
    label = "wecom"
    verbose_name = _("WeCom")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from siyu.worker.pollers import POLLERS
        from siyu.worker.schedule import SCHEDULE

        checks.register(check_callback_settings)
        _register_transports()
        SCHEDULE.setdefault(
            "wecom_rotate_channel_codes",
            ("siyu.integrations.wecom.channel_tasks.rotate_channel_codes", 3600),
        )
        SCHEDULE.setdefault(
            "wecom_prepare_welcome_media",
            ("siyu.integrations.wecom.channel_tasks.prepare_welcome_media_task", 3600),
        )
        SCHEDULE.setdefault(
            "wecom_clean_up_channel_codes",
            ("siyu.integrations.wecom.channel_tasks.clean_up_channel_codes", 86400),
        )
        SCHEDULE.setdefault(
            "wecom_prune_outbox", ("siyu.integrations.wecom.outbox.prune_outbox_task", 86400)
        )
        # The inbox is the queue of callbacks: every worker polls it (nothing is enqueued
        # per callback), so rows left by a killed worker are found by the next poll.
        POLLERS.setdefault(
            "wecom_inbox", ("siyu.integrations.wecom.process.drain_pending", INBOX_POLL_SECONDS)
        )
        POLLERS.setdefault(
            "wecom_outbox",
            ("siyu.integrations.wecom.outbox.drain_outbox", OUTBOX_POLL_SECONDS),
        )

        from siyu.integrations.wecom.models import CallbackInbox, OutboundCall
        from siyu.privacy.holders import register_text_holder

        # Raw callbacks and call payloads name a person by her WeCom ids: a privacy export
        # shows them, a deletion removes them.
        register_text_holder(CallbackInbox, "payload")
        register_text_holder(OutboundCall, "payload")

        from siyu.privacy.retention import RetentionRule, register_retention

        # A raw callback is needed until it is applied (and for a retry's deduplication,
        # minutes later): 30 days after it was applied it goes.
        register_retention(
            RetentionRule(
                "wecom_inbox",
                _("Raw WeCom callbacks"),
                30,
                lambda cutoff: CallbackInbox.objects.filter(status="done", processed_at__lt=cutoff),
            )
        )
