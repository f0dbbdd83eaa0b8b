"""Recurring channel-code upkeep against WeCom, on the worker's periodic schedule."""

from __future__ import annotations

import logging

from django_tasks import task

from siyu.channels.codes import clean_up_codes
from siyu.channels.rotation import rotate_all_codes
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.transport import configured_client
from siyu.worker.recovery import repeatable

log = logging.getLogger(__name__)


def _gateway() -> WeComChannelGateway | None:
    client = configured_client()
    return WeComChannelGateway(client) if client else None


@repeatable
@task()
def rotate_channel_codes() -> int:
    """Staff who reached their daily cap come back onto their codes once the day turns;
    hourly runs are cheap because only changed codes call update_contact_way."""
    gateway = _gateway()
    return rotate_all_codes(gateway=gateway) if gateway else 0


@task()
def clean_up_channel_codes() -> int:
    """Delete long-retired codes from WeCom: API-created codes are capped at 500,000."""
    gateway = _gateway()
    return clean_up_codes(gateway=gateway) if gateway else 0


@repeatable
@task()
def prepare_welcome_media_task() -> dict[str, int]:
    """Covers of welcome cards uploaded ahead of time (WeCom media live three days)."""
    from siyu.integrations.wecom.media import prepare_welcome_media

    client = configured_client()
    return prepare_welcome_media(client) if client else {}
