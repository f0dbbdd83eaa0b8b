"""Requests: raised by an operator for a customer found by any identifier, or by the
customer from the member centre; a due date, a status and a trail for each."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from siyu.customers.consent import has_consent
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.member_ref import customer_ref
from siyu.customers.models import Customer, Identity
from siyu.privacy.models import ExportArchive, PrivacyRequest, RequestStatus
from siyu.privacy.requests import (
    RequestRefused,
    answer_request,
    find_customer,
    raise_request,
    reject_request,
)
from siyu.privacy.tests.conftest import CORP, EXTERNAL_ID, Zhang

pytestmark = pytest.mark.django_db


def test_an_operator_finds_her_by_any_identifier(zhang: Zhang) -> None:
    from siyu.core.pii import decrypt_pii

    phone = decrypt_pii(Identity.objects.get(customer=zhang.customer, type="phone").value_encrypted)
    for ident in (
        IdentityInput("phone", phone),
        IdentityInput("taobao_buyer_id", "tb_zhangmin_1988"),  # from the merged Tmall profile
        IdentityInput("wecom_external_userid", EXTERNAL_ID, CORP),
    ):
        assert find_customer(ident) == zhang.customer
    assert find_customer(IdentityInput("phone", "13912349876")) is None


def test_a_request_is_due_in_15_days_by_default_and_keeps_its_trail(
    zhang: Zhang, settings: object
) -> None:
    raised = raise_request(
        zhang.customer, "access", raised_by="operator", actor=zhang.brand.lin_yue.user
    )
    assert raised.due_at - raised.created_at == timedelta(days=15)
    answer_request(raised, actor=zhang.brand.lin_yue.user)
    raised.refresh_from_db()
    assert raised.status == RequestStatus.DONE
    assert [s.action for s in raised.steps.order_by("pk")] == ["raised", "exported"]
    assert ExportArchive.objects.get(request=raised).tables["customers.Order"] == 13
    with pytest.raises(RequestRefused):
        answer_request(raised, actor=None)


def test_the_due_date_follows_the_setting(zhang: Zhang, settings: object) -> None:
    settings.SIYU_PRIVACY_DUE_DAYS = 5  # type: ignore[attr-defined]
    raised = raise_request(zhang.customer, "deletion", raised_by="operator", actor=None)
    assert raised.due_at - raised.created_at == timedelta(days=5)
    reject_request(raised, actor=None, reason="identity not confirmed")
    assert PrivacyRequest.objects.get(pk=raised.pk).status == RequestStatus.REJECTED


def test_a_withdrawal_needs_a_purpose(zhang: Zhang) -> None:
    with pytest.raises(RequestRefused):
        raise_request(zhang.customer, "withdrawal", raised_by="operator", actor=None)


def _member(zhang: Customer) -> dict[str, str]:
    return {"X-Member-Ref": customer_ref(zhang.pk)}


def test_the_member_centre_raises_her_own_requests(client: Client, zhang: Zhang) -> None:
    url = "/api/member/privacy/requests"
    made = client.post(
        url, {"kind": "access"}, content_type="application/json", headers=_member(zhang.customer)
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "open"
    withdrawn = client.post(
        url,
        {"kind": "withdrawal", "purpose": "marketing"},
        content_type="application/json",
        headers=_member(zhang.customer),
    )
    assert withdrawn.json()["status"] == "done"  # her own withdrawal applies at once
    assert not has_consent(zhang.customer, "marketing")
    listed = client.get(url, headers=_member(zhang.customer))
    assert [r["kind"] for r in listed.json()] == ["withdrawal", "access", "access"]


def test_the_member_downloads_her_archive_once_answered(client: Client, zhang: Zhang) -> None:
    raised = raise_request(zhang.customer, "access", raised_by="customer", actor=None)
    url = f"/api/member/privacy/requests/{raised.pk}/archive"
    assert client.get(url, headers=_member(zhang.customer)).status_code == 404
    answer_request(raised, actor=None)
    got = client.get(url, headers=_member(zhang.customer))
    assert got.status_code == 200
    assert got.json()["customer_id"] == zhang.customer.pk
    other = Customer.objects.exclude(pk=zhang.customer.pk).filter(status="active").first()
    assert other is not None
    assert client.get(url, headers=_member(other)).status_code == 404  # not hers


def test_the_member_centre_refuses_a_bad_reference(client: Client, zhang: Zhang) -> None:
    url = "/api/member/privacy/requests"
    assert client.get(url).status_code == 401
    assert client.get(url, headers={"X-Member-Ref": "forged"}).status_code == 401
    bad = client.post(
        url, {"kind": "sell"}, content_type="application/json", headers=_member(zhang.customer)
    )
    assert bad.status_code == 422
