"""The customer list's CSV download: the user's scope with the list's filters, masked
personal data, safe cells, audited, streamed in keyset chunks that neither repeat nor skip
rows; and the list's total, exact up to its bound and "more than" beyond it."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from siyu.console import customer_export, list_order
from siyu.console.tests.factories import login, make_customer
from siyu.core.models import AuditLog
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def download(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(f"/customers/export.csv{query}")
    assert response.status_code == 200
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")  # type: ignore[attr-defined]
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_export_is_the_users_scope_masked_and_audited(client: Client, brand: Brand) -> None:
    mine = make_customer("陈小美", owner=brand.chen_jing, phone="13912345678")
    make_customer("别人的", owner=brand.staff["sales01"])
    make_customer("=HYPERLINK(1)", owner=brand.chen_jing)
    login(client, brand.chen_jing)
    rows = download(client)
    assert rows[0][0] == "客户编号"
    by_id = {int(r[0]): r for r in rows[1:]}
    assert set(by_id) == set(
        Customer.objects.filter(follows__staff=brand.chen_jing).values_list("pk", flat=True)
    )
    assert by_id[mine.pk][1] == "陈**"
    assert by_id[mine.pk][2] == "*******5678"
    assert "13912345678" not in str(rows)
    assert any(r[1].startswith("'=") for r in rows[1:])  # formula cells defused
    assert AuditLog.objects.filter(action="customer_export").count() == 1


def test_chunks_cover_every_row_once_with_the_filters(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(customer_export, "FIRST_CHUNK", 1)
    monkeypatch.setattr(customer_export, "CHUNK", 2)
    made = {make_customer(f"客{i}", owner=brand.chen_jing).pk for i in range(5)}
    make_customer("别的导购", owner=brand.staff["sales01"])
    login(client, brand.lin_yue)
    ids = [int(r[0]) for r in download(client, f"?owner={brand.chen_jing.pk}")[1:]]
    assert len(ids) == len(set(ids))
    assert set(ids) == made
    assert ids == sorted(ids, reverse=True)


def test_a_bad_filter_is_a_400(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert client.get("/customers/export.csv?owner=x").status_code == 400


def test_the_total_is_exact_up_to_its_bound_and_says_more_than_beyond(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch
) -> None:
    for i in range(4):
        make_customer(f"客{i}", owner=brand.chen_jing)
    login(client, brand.chen_jing)
    monkeypatch.setattr(list_order, "TOTAL_BOUND", 4)
    page = client.get("/customers/").context["page"]
    assert (page.total, page.total_exact) == (4, True)
    monkeypatch.setattr(list_order, "TOTAL_BOUND", 3)
    response = client.get("/customers/")
    assert (response.context["page"].total, response.context["page"].total_exact) == (3, False)
    assert "超过 3 位客户" in response.content.decode()
