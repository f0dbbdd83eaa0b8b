"""A journey's webhook step is called after its step committed: signed, once per call
even when polled twice, retried on a server error, refused for a host not allowed."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import httpx
import pytest
from django.test import override_settings

from siyu.integrations.webhook.journey_calls import MAX_ATTEMPTS, deliver_due
from siyu.integrations.webhook.transport import use_transport, verify
from siyu.journeys.engine import advance_due
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import WebhookCall
from siyu.journeys.tests.factories import chain, make_journey
from siyu.messaging.tests.factories import NOW, make_customer

pytestmark = pytest.mark.django_db
SECRET = "whsec-journeys"


class Receiver:
    def __init__(self, *answers: int) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, object]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert verify(SECRET, request.headers["X-Siyu-Signature"], request.content, now=time.time())
        self.calls.append((request.headers["Idempotency-Key"], json.loads(request.content)))
        return httpx.Response(self.answers.pop(0) if self.answers else 200)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    use_transport(httpx.MockTransport(box))
    with override_settings(
        SIYU_MESSAGING_WEBHOOK_URL="https://crm.example/hook", SIYU_MESSAGING_WEBHOOK_SECRET=SECRET
    ):
        yield box
    use_transport(None)


def _journey_call(url: str) -> WebhookCall:
    journey = make_journey(chain({"type": "webhook", "url": url}))
    person = make_customer("甲")
    enroll(journey, [Entrant(person.pk)], source="api", at=NOW)
    advance_due(now=NOW)
    return WebhookCall.objects.get()


def test_the_call_is_signed_and_delivered_once(receiver: Receiver) -> None:
    call = _journey_call("https://crm.example/journey")
    assert receiver.calls == []  # nothing leaves inside the engine's transaction
    assert deliver_due() == 1
    assert deliver_due() == 0
    key, body = receiver.calls[0]
    assert key == f"journey-webhook:{call.pk}"
    assert body["customer"] == call.enrollment.customer_id
    assert len(receiver.calls) == 1
    call.refresh_from_db()
    assert call.status == "delivered"


def test_a_server_error_is_tried_again_and_gives_up_after_the_last_attempt(
    receiver: Receiver,
) -> None:
    receiver.answers = [503] * MAX_ATTEMPTS
    call = _journey_call("https://crm.example/journey")
    assert deliver_due() == 0
    call.refresh_from_db()
    assert (call.status, call.attempts, call.last_error) == ("pending", 1, "answered 503")
    for _ in range(MAX_ATTEMPTS - 1):
        deliver_due()
    call.refresh_from_db()
    assert (call.status, call.attempts) == ("failed", MAX_ATTEMPTS)


def test_a_host_that_is_not_allowed_is_never_called(receiver: Receiver) -> None:
    call = _journey_call("http://10.0.0.5/admin")
    assert deliver_due() == 1
    assert receiver.calls == []
    call.refresh_from_db()
    assert call.status == "failed"
    assert "not allowed" in call.last_error
