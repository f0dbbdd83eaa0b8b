"""Notices to staff (task reminders, loss alerts) as WeCom app messages, through the one
send verb: its send log is keyed by (source, source id, recipient), so a notice planned
twice goes out once."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from siyu.messaging.models import Channel, Priority
from siyu.messaging.send import Message, SendRequest, send

log = logging.getLogger(__name__)
SOURCE = "workbench"


def notify_staff(
    staff_ids: Sequence[int], key: str, text: str, *, url: str = "", about: int | None = None
) -> bool:
    """Plan one app message to each of ``staff_ids``; call it outside any transaction
    (the verb owns its own). Returns whether anyone is reached."""
    if not staff_ids:
        return False
    outcome = send(
        SendRequest(
            source=SOURCE,
            source_id=key,
            channel=Channel.WECOM_APP,
            message=Message(text=text, url=url),
            staff_ids=sorted(set(staff_ids)),
            purpose="",
            priority=Priority.TRANSACTIONAL,
            title=text[:60],
            about=about,
        )
    )
    if not outcome.reached:
        log.info("workbench notice %s reached nobody: %s", key, dict(outcome.counts))
    return outcome.reached > 0
