"""The privacy console: raise a request by any identifier, see it in the queue with its
due date, download the copy (audited), and delete only after the confirmation that
shows what will be removed."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from siyu.console.tests.factories import login
from siyu.core.clock import local_date
from siyu.core.models import AuditLog
from siyu.customers.models import Customer, Identity
from siyu.privacy.models import ExportArchive, PrivacyRequest, RequestStatus
from siyu.privacy.tests.conftest import EXTERNAL_ID, Zhang
from siyu.privacy.tests.conftest import zhang as zhang  # the fixture

pytestmark = pytest.mark.django_db


def _raise(client: Client, kind: str, **extra: str) -> PrivacyRequest:
    data = {"kind": kind, "id_type": "taobao_buyer_id", "value": "tb_zhangmin_1988", **extra}
    response = client.post(reverse("console:privacy_requests"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return PrivacyRequest.objects.latest("pk")


def test_an_operator_raises_answers_and_downloads_a_copy(client: Client, zhang: Zhang) -> None:
    login(client, zhang.brand.lin_yue)
    req = _raise(client, "access")
    assert req.customer == zhang.customer  # found through her merged Tmall identity
    queue = client.get(reverse("console:privacy_requests")).content.decode()
    assert local_date(req.due_at).isoformat() in queue  # shown in the brand's zone
    client.post(reverse("console:privacy_answer", args=[req.pk]))
    archive = ExportArchive.objects.get(request=req)
    got = client.get(reverse("console:privacy_download", args=[archive.pk, "json"]))
    assert got.status_code == 200
    assert "tb_zhangmin_1988" in got.content.decode()
    page = client.get(reverse("console:privacy_download", args=[archive.pk, "html"]))
    assert "TM2025061800188" in page.content.decode()
    assert AuditLog.objects.filter(action="privacy.download").count() == 2


def test_deletion_shows_what_goes_and_needs_the_confirmation(client: Client, zhang: Zhang) -> None:
    login(client, zhang.brand.lin_yue)
    req = _raise(client, "deletion")
    page = client.get(reverse("console:privacy_request", args=[req.pk])).content.decode()
    assert "customers.Identity" in page
    assert "customers.Order" in page  # kept for the accounts, shown as such
    client.post(reverse("console:privacy_answer", args=[req.pk]))  # no confirmation
    assert Identity.objects.filter(customer=zhang.customer).exists()
    client.post(reverse("console:privacy_answer", args=[req.pk]), {"confirm": "erase"})
    req.refresh_from_db()
    assert req.status == RequestStatus.DONE
    assert not Identity.objects.filter(value=EXTERNAL_ID).exists()
    assert Customer.objects.get(pk=zhang.customer.pk).display_name == ""


def test_sales_staff_cannot_open_privacy_pages(client: Client, zhang: Zhang) -> None:
    login(client, zhang.brand.chen_jing)
    assert client.get(reverse("console:privacy_requests")).status_code == 403
    assert client.get(reverse("console:privacy_inventory")).status_code == 403


def test_an_unknown_identifier_is_a_message_not_an_error(client: Client, zhang: Zhang) -> None:
    login(client, zhang.brand.lin_yue)
    data = {"kind": "access", "id_type": "phone", "value": "13912349876"}
    response = client.post(reverse("console:privacy_requests"), data)
    assert response.status_code == 200
    assert PrivacyRequest.objects.filter(kind="access").count() == 1  # the fixture's only


def test_the_inventory_page_lists_every_declaration(client: Client, zhang: Zhang) -> None:
    login(client, zhang.brand.lin_yue)
    page = client.get(reverse("console:privacy_inventory"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "customers_customer.real_name" in page.content.decode()
