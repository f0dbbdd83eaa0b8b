"""A test corp, event XML builders and a signed-callback client for the WeCom tests."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from siyu.integrations.wecom import crypto
from siyu.integrations.wecom.client.core import REFUSED_IN_TRANSACTION
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.transport import use_transport

CORP_ID = "wwtestcorp000001"
TOKEN = "TestCallbackToken"
AES_KEY = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
_nonces = itertools.count(100000)


@pytest.fixture(autouse=True)
def wecom_corp() -> Iterator[None]:
    """Every test in this folder talks to the test corp (the onboarding and check tests
    rely on it too)."""
    with override_settings(
        SIYU_WECOM_CORP_ID=CORP_ID, SIYU_WECOM_TOKEN=TOKEN, SIYU_WECOM_AES_KEY=AES_KEY
    ):
        yield


@pytest.fixture(autouse=True)
def no_wecom_call_in_a_transaction() -> Iterator[None]:
    """The WeCom client raises when called inside an atomic block; a test fails even when
    the code under test swallowed that error."""
    REFUSED_IN_TRANSACTION.clear()
    with override_settings(SIYU_WECOM_GUARD_TRANSACTIONS=True):
        yield
    refused, REFUSED_IN_TRANSACTION[:] = list(REFUSED_IN_TRANSACTION), []
    assert not refused, f"WeCom called inside a transaction: {refused}"


@contextmanager
def wired(simulator: Simulator) -> Iterator[Simulator]:
    """WeCom clients in this process call ``simulator``, with its secret."""
    use_transport(simulator.transport())
    try:
        with override_settings(SIYU_WECOM_SECRET=simulator.secret):
            yield simulator
    finally:
        use_transport(None)


@pytest.fixture
def sim() -> Iterator[Simulator]:
    """A simulated corp with no callback URL, wired in."""
    with wired(make_simulator(corp_id=CORP_ID)) as simulator:
        yield simulator


class PollingWorkerTransport(httpx.WSGITransport):
    """Delivers a callback to the app, then runs the worker's inbox poll: a worker that
    never lags, for end-to-end tests."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        from siyu.integrations.wecom.process import drain_pending

        response = super().handle_request(request)
        drain_pending()
        return response


def run_together(count: int, work: Callable[[], object]) -> list[BaseException]:
    """Run ``work`` in ``count`` threads released at the same moment, like that many worker
    processes; returns what they raised."""
    barrier = threading.Barrier(count)
    errors: list[BaseException] = []

    def run() -> None:
        try:
            barrier.wait()
            work()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return errors


@pytest.fixture
def immediate_tasks() -> Iterator[None]:
    """Tasks run as soon as they are enqueued (on commit), like a worker that never lags."""
    backend = {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}
    with override_settings(TASKS={"default": {**backend, "QUEUES": ["default", "fast"]}}):
        yield


@pytest.fixture
def callback_sim(immediate_tasks: None) -> Iterator[Simulator]:
    """A simulated corp that POSTs its callbacks to our endpoint, with a worker that never
    lags behind them (inbox drained, tasks run at once)."""
    simulator = make_simulator(
        corp_id=CORP_ID,
        callback_token=TOKEN,
        aes_key=AES_KEY,
        callback_url="http://testserver/wecom/callback/",
        callback_transport=PollingWorkerTransport(app=WSGIHandler()),
    )
    with wired(simulator):
        yield simulator


def event_xml(create_time: int | None = None, **fields: Any) -> str:
    parts = [f"<ToUserName><![CDATA[{CORP_ID}]]></ToUserName>"]
    parts.append("<FromUserName><![CDATA[sys]]></FromUserName>")
    parts.append(f"<CreateTime>{create_time or int(time.time())}</CreateTime>")
    parts.append("<MsgType><![CDATA[event]]></MsgType>")
    for name, value in fields.items():
        if isinstance(value, list):
            items = "".join(f"<Item><![CDATA[{v}]]></Item>" for v in value)
            parts.append(f"<{name}>{items}</{name}>")
        else:
            parts.append(f"<{name}><![CDATA[{value}]]></{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def add_contact_xml(
    user_id: str, external_user_id: str, create_time: int | None = None, **extra: Any
) -> str:
    return event_xml(
        create_time,
        Event="change_external_contact",
        ChangeType=extra.pop("ChangeType", "add_external_contact"),
        UserID=user_id,
        ExternalUserID=external_user_id,
        **extra,
    )


@dataclass(frozen=True)
class Sent:
    status: int
    body: bytes


ECHO = "1616140317555161061"


def verification_query(nonce: str = "4711") -> dict[str, str]:
    """WeCom's URL check: echostr encrypted and signed like the admin console sends it."""
    ts = str(int(time.time()))
    echo = crypto.encrypt(
        ECHO,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        receive_id=CORP_ID,
        timestamp=ts,
        nonce=nonce,
    )
    return {
        "msg_signature": echo.signature,
        "timestamp": ts,
        "nonce": nonce,
        "echostr": echo.encrypted,
    }


def post_event(
    client: Client,
    xml: str,
    *,
    timestamp: int | None = None,
    nonce: str | None = None,
    corp_id: str = CORP_ID,
    token: str = TOKEN,
    signature: str | None = None,
) -> Sent:
    sealed = crypto.seal(
        xml,
        token=token,
        encoding_aes_key=AES_KEY,
        corp_id=corp_id,
        timestamp=str(timestamp or int(time.time())),
        nonce=nonce or str(next(_nonces)),
    )
    query = sealed.query()
    if signature is not None:
        query["msg_signature"] = signature
    url = reverse("wecom:callback") + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    response = client.post(url, data=sealed.body, content_type="text/xml")
    return Sent(response.status_code, response.content)
