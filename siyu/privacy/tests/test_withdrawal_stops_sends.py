"""A withdrawal through the privacy verb stops messaging at once: the next send for that
purpose is blocked for consent, and one planned before it does not go out either."""

from __future__ import annotations

import pytest

from siyu.messaging.delivery import deliver_due
from siyu.messaging.models import Channel, Reason, Send, SendStatus
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import NOW, make_customer
from siyu.privacy.correct import withdraw_consent

pytestmark = pytest.mark.django_db


def _send(customer_id: int, key: str) -> Send:
    send(
        SendRequest(
            source="privacy-test",
            source_id=key,
            channel=Channel.WEBHOOK,
            message=Message(text="本周新品"),
            customers=[customer_id],
            purpose="marketing",
            at=NOW,
        )
    )
    return Send.objects.get(source_id=key, customer_id=customer_id)


def test_after_a_withdrawal_the_next_send_for_that_purpose_is_blocked_for_consent() -> None:
    she = make_customer("李雪")  # agreed to marketing
    before = _send(she.pk, "weekly-1")
    assert (before.status, before.reason) == (SendStatus.QUEUED, Reason.NONE)

    withdraw_consent(she, "marketing", actor=None, source="member_centre")

    after = _send(she.pk, "weekly-2")
    assert (after.status, after.reason) == (SendStatus.BLOCKED, Reason.NO_CONSENT)
    deliver_due()  # the send planned before the withdrawal is stopped before it leaves
    before.refresh_from_db()
    assert (before.status, before.reason) == (SendStatus.BLOCKED, Reason.NO_CONSENT)
