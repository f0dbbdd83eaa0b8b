"""The callback URL served in front of Django by the WSGI application every server runs."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest
from django.urls import reverse

from siyu.integrations.wecom import crypto
from siyu.integrations.wecom.callbacks import PATH
from siyu.integrations.wecom.models import CallbackInbox
from siyu.integrations.wecom.tests.conftest import (
    AES_KEY,
    CORP_ID,
    ECHO,
    TOKEN,
    add_contact_xml,
    verification_query,
)

# No test transaction around these: the fast path opens and closes connections as a
# server does, which would end a test's wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    from siyu.wsgi import application

    transport = httpx.WSGITransport(app=application)
    with httpx.Client(transport=transport, base_url="http://testserver") as client:
        yield client


def sealed(xml: str, nonce: str = "n1") -> tuple[dict[str, str], str]:
    s = crypto.seal(
        xml,
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        corp_id=CORP_ID,
        timestamp=str(int(time.time())),
        nonce=nonce,
    )
    return s.query(), s.body


def test_the_fast_path_serves_the_url_the_view_is_routed_at() -> None:
    assert reverse("wecom:callback") == PATH


def test_a_callback_is_stored_and_acknowledged_without_django_middleware(
    http: httpx.Client,
) -> None:
    query, body = sealed(add_contact_xml("ChenJing", "wmFast1"))
    response = http.post(PATH, params=query, content=body)
    assert (response.status_code, response.content) == (200, b"success")
    assert response.headers["content-type"] == "text/plain"
    assert "x-frame-options" not in response.headers  # the middleware stack did not run
    assert CallbackInbox.objects.get().ordering_key.endswith(":ChenJing:wmFast1")
    again = http.post(PATH, params=query, content=body)
    assert (again.status_code, again.content) == (409, b"replayed_nonce")
    assert CallbackInbox.objects.count() == 1


def test_refusals_are_the_views_refusals(http: httpx.Client) -> None:
    query, body = sealed(add_contact_xml("ChenJing", "wmFast2"))
    forged = http.post(PATH, params={**query, "msg_signature": "a" * 40}, content=body)
    assert (forged.status_code, forged.content) == (403, b"bad_signature")
    assert http.post(PATH).status_code == 400
    assert http.put(PATH, params=query, content=body).status_code == 405
    assert not CallbackInbox.objects.exists()


def test_an_oversized_body_is_refused_unread(http: httpx.Client) -> None:
    query, _ = sealed(add_contact_xml("ChenJing", "wmBig"))
    big = b"<xml>" + b"x" * (crypto.MAX_XML_BYTES + 1) + b"</xml>"
    response = http.post(PATH, params=query, content=big)
    assert (response.status_code, response.content) == (400, b"bad_xml")
    assert not CallbackInbox.objects.exists()


def test_url_verification_answers_the_plain_echostr(http: httpx.Client) -> None:
    response = http.get(PATH, params=verification_query())
    assert (response.status_code, response.content) == (200, ECHO.encode())


def test_every_other_url_goes_to_django(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 302
    assert response.headers["x-frame-options"] == "DENY"
