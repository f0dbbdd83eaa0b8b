"""GET /api/customers/lookup: any identifier finds the profile; personal data stays masked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from siyu.access.tests.clients import integration_client
from siyu.customers.batch import apply_batch
from siyu.customers.models import Customer, Identity, IdentityStatus
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db

URL = "/api/customers/lookup"


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # The demo brand creates ~30 staff logins; real password hashing would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client(brand: Brand) -> Client:
    return integration_client("crm-sync")


@pytest.fixture
def amin(brand: Brand) -> Customer:
    item = {
        "identities": [
            {"type": "wechat_unionid", "value": "u-amin"},
            {"type": "miniprogram_openid", "namespace": "wx123", "value": "o-amin"},
            {"type": "email", "value": "Amin@Example.com"},
        ],
        "display_name": "阿敏",
        "real_name": "张敏",
        "phone": "13912345678",
        "address": "上海市静安区南京西路1号",
        "org_unit": "上海静安店",
        "primary_owner": "chen.jing",
    }
    result = apply_batch("customers", [item], partial=False, source="test")
    assert result.ok, result.errors
    customer = Customer.objects.get(pk=result.applied[0].customer_id)
    add_tag(customer, ensure_tag("口味", "爱喝拿铁"), source="import")
    return customer


@pytest.mark.parametrize(
    "query",
    [
        {"type": "wechat_unionid", "value": "u-amin"},
        {"type": "miniprogram_openid", "namespace": "wx123", "value": "o-amin"},
        {"type": "phone", "value": "+86 139-1234-5678"},
        {"type": "email", "value": "amin@example.com"},
    ],
)
def test_any_identifier_finds_the_profile(
    client: Client, amin: Customer, query: dict[str, str]
) -> None:
    response = client.get(URL, query)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == amin.pk
    assert body["display_name"] == "阿敏"
    assert body["org_unit"] == "上海静安店"
    assert body["primary_owner"] == "陈静"
    assert body["tags"][0]["group"] == "口味"
    assert body["tags"][0]["name"] == "爱喝拿铁"
    assert {i["type"] for i in body["identities"]} == {
        "wechat_unionid",
        "miniprogram_openid",
        "email",
        "phone",
    }


def test_personal_data_is_masked(client: Client, amin: Customer) -> None:
    response = client.get(URL, {"type": "wechat_unionid", "value": "u-amin"})
    text = response.content.decode()
    for secret in ("13912345678", "张敏", "南京西路", "amin@example.com"):
        assert secret not in text
    body = response.json()
    assert body["phone"] == "139****5678"
    assert body["real_name"] == "张*"
    values = {i["type"]: i["value"] for i in body["identities"]}
    assert values["phone"] == "139****5678"
    assert values["email"] == "a***@example.com"
    assert values["wechat_unionid"] == "u-amin"


def test_unknown_identifier_is_a_404_with_a_message(client: Client, amin: Customer) -> None:
    response = client.get(URL, {"type": "phone", "value": "13900000001"})
    assert response.status_code == 404
    assert "no customer" in response.json()["detail"]


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"type": "fax", "value": "1"}, 422),
        ({"type": "phone", "value": "12"}, 422),
        ({"type": "phone", "value": "null"}, 422),
        ({"type": "miniprogram_openid", "value": "o-amin"}, 422),
        ({"value": "u-amin"}, 422),
        ({"type": "phone"}, 422),
        ({"type": "phone", "value": "1" * 300}, 422),
        ({"type": "wechat_unionid", "value": "u-amin\x00"}, 422),
    ],
)
def test_bad_queries_get_a_clear_4xx(
    client: Client, amin: Customer, query: dict[str, str], status: int
) -> None:
    response = client.get(URL, query)
    assert response.status_code == status
    assert response.json()["detail"]


def test_a_shared_identifier_identifies_no_one(client: Client, amin: Customer) -> None:
    Identity.objects.filter(type="phone").update(status=IdentityStatus.SHARED)
    response = client.get(URL, {"type": "phone", "value": "13912345678"})
    assert response.status_code == 409


def test_a_profile_merged_away_answers_with_its_survivor(client: Client, amin: Customer) -> None:
    other = Customer.objects.create(created_at=timezone.now(), display_name="新")
    Customer.objects.filter(pk=amin.pk).update(status="merged", merged_into=other)
    response = client.get(URL, {"type": "wechat_unionid", "value": "u-amin"})
    assert response.status_code == 200
    assert response.json()["id"] == other.pk


def test_lookup_uses_a_fixed_number_of_queries(
    client: Client, amin: Customer, django_assert_max_num_queries: Any
) -> None:
    for n in range(5):
        add_tag(amin, ensure_tag("兴趣", f"标签{n}"), source="import")
    # key check, rate counter, identity, customer, identities, tags, audit record
    with django_assert_max_num_queries(7):
        response = client.get(URL, {"type": "wechat_unionid", "value": "u-amin"})
    assert len(response.json()["tags"]) == 6
