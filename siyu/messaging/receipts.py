"""A channel's later word on a direct send it had accepted: the official account's
``TEMPLATESENDJOBFINISH`` push says whether WeChat delivered the template message.

Accepted sends are already ``sent`` (the API gave a msgid); a failure report turns the
send ``failed`` with its reason, so it stops counting under the caps and the log shows
why. Reports arrive more than once (WeChat retries a push it got no "success" for) and may
cross each other: a send that is no longer ``sent`` is left alone, so the first word wins.
"""

from __future__ import annotations

from django.db import transaction

from siyu.messaging.models import Channel, Reason, Send, SendStatus


@transaction.atomic
def note_delivery(channel: Channel, external_id: str, *, failed: str = "", detail: str = "") -> int:
    """Record the channel's report on the send it knows as ``external_id``: delivered
    (``failed`` empty) or failed with ``failed`` (a Reason). Returns the sends updated."""
    rows = Send.objects.filter(channel=channel, external_id=external_id, status=SendStatus.SENT)
    if not failed:
        return rows.count()  # delivered: it stays sent
    return rows.update(status=SendStatus.FAILED, reason=Reason(failed), last_error=detail[:2000])
