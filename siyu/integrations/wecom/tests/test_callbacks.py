"""The callback endpoint: URL verification, durable storage before "success", refusals."""

from __future__ import annotations

import time
from datetime import timedelta
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from siyu.demo.brand import Brand
from siyu.integrations.wecom import crypto
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.integrations.wecom.process import drain_pending
from siyu.integrations.wecom.tests.conftest import (
    CORP_ID,
    ECHO,
    TOKEN,
    add_contact_xml,
    event_xml,
    post_event,
    verification_query,
)

pytestmark = pytest.mark.django_db


def nothing_written() -> bool:
    return not CallbackInbox.objects.exists() and not DBTaskResult.objects.exists()


def test_url_verification_echoes_the_decrypted_echostr(client: Client) -> None:
    query = verification_query()
    response = client.get(reverse("wecom:callback") + "?" + urlencode(query))
    assert response.status_code == 200
    assert response.content == ECHO.encode()


def test_url_verification_with_forged_signature_is_refused(client: Client) -> None:
    query = {"msg_signature": "0" * 40, "timestamp": str(int(time.time())), "nonce": "1"}
    query["echostr"] = (
        "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
    )
    response = client.get(reverse("wecom:callback") + "?" + urlencode(query))
    assert response.status_code == 403


def test_event_is_stored_before_success_is_answered(client: Client) -> None:
    sent = post_event(client, add_contact_xml("ChenJing", "wmCustomer001", WelcomeCode="wc1"))
    assert (sent.status, sent.body) == (200, b"success")
    row = CallbackInbox.objects.get()
    assert row.status == InboxStatus.PENDING
    assert (row.event, row.change_type) == ("change_external_contact", "add_external_contact")
    assert row.ordering_key == f"{CORP_ID}:contact:ChenJing:wmCustomer001"
    assert "wc1" in row.payload
    assert row.idempotency_key.startswith("sha256:")


def test_one_event_delivered_three_times_is_stored_once(client: Client) -> None:
    xml = add_contact_xml("ChenJing", "wmCustomer001")
    for _ in range(3):  # WeCom's retries re-encrypt and re-sign with fresh nonces
        assert post_event(client, xml).body == b"success"
    assert CallbackInbox.objects.count() == 1


def test_msg_id_is_the_idempotency_key_when_present(client: Client) -> None:
    xml = event_xml(Content="hi", MsgId="4561255354251345929")
    post_event(client, xml)
    assert CallbackInbox.objects.get().idempotency_key == f"msg:{CORP_ID}:4561255354251345929"


def test_unknown_event_type_is_stored_and_acknowledged(client: Client) -> None:
    xml = event_xml(Event="brand_new_thing", ChangeType="whatever", Foo="bar")
    assert post_event(client, xml).body == b"success"
    row = CallbackInbox.objects.get()
    assert row.event == "brand_new_thing"
    assert row.ordering_key == row.idempotency_key  # unrelated to anything: never waits


def test_forged_signature_is_refused_with_nothing_written(client: Client) -> None:
    sent = post_event(client, add_contact_xml("ChenJing", "wm1"), signature="a" * 40)
    assert sent.status == 403
    assert nothing_written()


def test_wrong_token_is_refused(client: Client) -> None:
    sent = post_event(client, add_contact_xml("ChenJing", "wm1"), token="someone-else")
    assert sent.status == 403
    assert nothing_written()


def test_wrong_corp_id_is_refused_with_nothing_written(client: Client) -> None:
    sent = post_event(client, add_contact_xml("ChenJing", "wm1"), corp_id="wwothercorp")
    assert (sent.status, sent.body) == (403, b"wrong_corp_id")
    assert nothing_written()


@pytest.mark.parametrize("age", [301, -301, 100000])
def test_stale_or_future_timestamp_is_refused(client: Client, age: int) -> None:
    sent = post_event(client, add_contact_xml("ChenJing", "wm1"), timestamp=int(time.time()) - age)
    assert (sent.status, sent.body) == (400, b"stale_timestamp")
    assert nothing_written()


def test_replayed_nonce_is_refused_with_nothing_more_written(client: Client) -> None:
    ts = int(time.time())
    assert (
        post_event(client, add_contact_xml("ChenJing", "wm1"), timestamp=ts, nonce="77").status
        == 200
    )
    replay = post_event(client, add_contact_xml("ChenJing", "wm2"), timestamp=ts, nonce="77")
    assert (replay.status, replay.body) == (409, b"replayed_nonce")
    assert CallbackInbox.objects.count() == 1
    # The very same request again (same event, timestamp and nonce) is a replay too, not
    # one of WeCom's retries (those come with a fresh nonce).
    again = post_event(client, add_contact_xml("ChenJing", "wm1"), timestamp=ts, nonce="77")
    assert (again.status, again.body) == (409, b"replayed_nonce")
    assert CallbackInbox.objects.count() == 1


def test_storing_a_callback_writes_one_row_and_no_task(client: Client) -> None:
    assert post_event(client, add_contact_xml("ChenJing", "wmOne")).body == b"success"
    row = CallbackInbox.objects.get()
    assert row.nonce
    assert row.nonce_timestamp
    assert not DBTaskResult.objects.exists()  # the worker polls the inbox


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<xml><ToUserName>x</ToUserName></xml>",
        b"<xml><Encrypt><![CDATA[%%%%]]></Encrypt></xml>",
        b'<!DOCTYPE x [<!ENTITY a "b">]><xml><Encrypt>&a;</Encrypt></xml>',
    ],
)
def test_garbage_body_is_refused_with_nothing_written(client: Client, body: bytes) -> None:
    ts, nonce = str(int(time.time())), "5"
    encrypted = "%%%%"
    query = {
        "msg_signature": crypto.compute_signature(TOKEN, ts, nonce, encrypted),
        "timestamp": ts,
        "nonce": nonce,
    }
    url = reverse("wecom:callback") + "?" + urlencode(query)
    response = client.post(url, data=body, content_type="text/xml")
    assert 400 <= response.status_code < 500
    assert nothing_written()


def test_garbage_inside_a_correctly_signed_envelope_is_refused(client: Client) -> None:
    sent = post_event(client, "this is not <xml")
    assert (sent.status, sent.body) == (400, b"bad_xml")
    assert nothing_written()


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"msg_signature": "x", "nonce": "1"},
        {"msg_signature": "x", "timestamp": "a", "nonce": "1"},
    ],
)
def test_missing_parameters_are_refused(client: Client, query: dict[str, str]) -> None:
    url = reverse("wecom:callback") + "?" + urlencode(query)
    response = client.post(url, data=b"<xml/>", content_type="text/xml")
    assert response.status_code == 400


def test_unconfigured_corp_answers_503(client: Client) -> None:
    with override_settings(SIYU_WECOM_CORP_ID=""):
        sent = post_event(client, add_contact_xml("ChenJing", "wm1"))
    assert sent.status == 503
    assert nothing_written()


def test_database_failure_is_not_acknowledged(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from siyu.integrations.wecom import receive

    def broken(*args: object, **kwargs: object) -> None:
        raise DatabaseError("disk full")

    monkeypatch.setattr(receive, "insert_rows", broken)
    sent = post_event(client, add_contact_xml("ChenJing", "wm1"))
    assert sent.status == 503
    assert nothing_written()


def test_other_methods_are_not_allowed(client: Client) -> None:
    assert client.put(reverse("wecom:callback")).status_code == 405


def test_pending_rows_are_applied_by_the_poll_and_the_operator_command(
    client: Client, brand: Brand
) -> None:
    post_event(client, add_contact_xml("ChenJing", "wmPolled"))
    post_event(client, add_contact_xml("WangQiang", "wmLater"))
    assert drain_pending(older_than=timedelta(seconds=60)) == 0  # nothing that old
    assert drain_pending() == 2
    assert set(CallbackInbox.objects.values_list("status", flat=True)) == {InboxStatus.DONE}
    post_event(client, add_contact_xml("ChenJing", "wmByHand"))
    out = StringIO()
    call_command("wecom_sweep", "--older-than", "0", stdout=out)
    assert "applied 1" in out.getvalue()


def test_the_worker_polls_the_inbox() -> None:
    from siyu.worker.pollers import POLLERS

    assert POLLERS["wecom_inbox"][0] == "siyu.integrations.wecom.process.drain_pending"
