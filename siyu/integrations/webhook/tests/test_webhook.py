"""The outbound webhook: signed bodies, retries with backoff, failures in the send log."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from django.test.utils import override_settings
from django.utils import timezone

from siyu.demo.brand import Brand
from siyu.integrations.webhook.transport import use_transport, verify
from siyu.messaging.delivery import deliver_due
from siyu.messaging.models import Channel, Priority, Reason, Send, SendStatus
from siyu.messaging.send import Message, SendRequest, send
from siyu.messaging.tests.factories import make_customer

pytestmark = pytest.mark.django_db
SECRET = "whsec-test"


class Receiver:
    """An SMS provider's endpoint that answers from a script, then 200."""

    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.bodies: list[dict[str, object]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert verify(SECRET, request.headers["X-Siyu-Signature"], request.content, now=time.time())
        self.bodies.append(json.loads(request.content))
        status = self.answers.pop(0) if self.answers else 200
        return httpx.Response(status, headers={"X-Message-Id": f"sms-{len(self.bodies)}"})


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    use_transport(httpx.MockTransport(box))
    with override_settings(
        SIYU_MESSAGING_WEBHOOK_URL="https://sms.example/hook", SIYU_MESSAGING_WEBHOOK_SECRET=SECRET
    ):
        yield box
    use_transport(None)


def _send(brand: Brand, source_id: str) -> Send:
    person = make_customer("甲", owner=brand.lin_yue, at=timezone.now())
    send(
        SendRequest(
            source="order",
            source_id=source_id,
            channel=Channel.WEBHOOK,
            message=Message(text="您的订单已发货"),
            customers=[person.pk],
            priority=Priority.TRANSACTIONAL,
            purpose="",
        )
    )
    return Send.objects.get(source_id=source_id)


def test_a_signed_body_carries_the_sends_idempotency_key(brand: Brand, receiver: Receiver) -> None:
    row = _send(brand, "o1")
    assert deliver_due() == 1
    row.refresh_from_db()
    assert (row.status, row.external_id) == (SendStatus.SENT, "sms-1")
    assert receiver.bodies[0]["idempotency_key"] == f"order:o1:{row.recipient}:webhook"


def test_a_server_error_is_retried_with_backoff_and_then_delivered(
    brand: Brand, receiver: Receiver
) -> None:
    receiver.answers = [503]
    row = _send(brand, "o2")
    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts, "503" in row.last_error) == (SendStatus.QUEUED, 1, True)
    assert row.due_at > timezone.now()  # backing off
    Send.objects.filter(pk=row.pk).update(due_at=timezone.now())
    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (SendStatus.SENT, 2, "")


def test_a_refusal_fails_at_once_with_its_reason_visible(brand: Brand, receiver: Receiver) -> None:
    receiver.answers = [400]
    row = _send(brand, "o3")
    deliver_due()
    row.refresh_from_db()
    assert (row.status, row.reason, row.last_error) == (
        SendStatus.FAILED,
        Reason.DELIVERY_FAILED,
        "webhook answered 400",
    )
