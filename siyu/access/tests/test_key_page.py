"""The console's API key page: every key with its scopes and last use, for admins only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from siyu.access.keys import create_api_key, revoke_api_key
from siyu.access.models import ApiKey
from siyu.console.tests.factories import login
from siyu.demo.brand import Brand


def test_admins_see_scopes_and_last_use_in_the_brand_zone(client: Client, brand: Brand) -> None:
    pos, _ = create_api_key("pos", ["ingest:orders", "customers:lookup"])
    create_api_key("erp", ["ingest:profiles"])
    revoke_api_key("erp")
    ApiKey.objects.filter(pk=pos.pk).update(last_used_at=datetime(2026, 3, 1, 2, 5, tzinfo=UTC))
    login(client, brand.lin_yue)
    client.post("/i18n/setlang/", {"language": "en", "next": "/api-keys/"})
    page = client.get("/api-keys/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Look up a customer by identifier" in html
    assert "Ingest orders" in html
    assert "2026-03-01 10:05" in html  # Asia/Shanghai
    assert "never" in html  # erp was never used
    assert "Revoked" in html
    assert 'href="/api-keys/"' in html  # the navigation links here


def test_the_page_is_in_chinese_by_default(client: Client, brand: Brand) -> None:
    create_api_key("pos", ["customers:lookup"])
    login(client, brand.lin_yue)
    html = client.get("/api-keys/").content.decode()
    assert "按标识查找客户" in html


@pytest.mark.parametrize("persona", ["wang.qiang", "chen.jing"])
def test_other_roles_may_not_see_keys(client: Client, brand: Brand, persona: str) -> None:
    login(client, brand.staff[persona])
    assert client.get("/api-keys/").status_code == 403
    assert "/api-keys/" not in client.get("/customers/").content.decode()


def test_the_page_costs_the_same_queries_for_many_keys(
    client: Client, brand: Brand, django_assert_max_num_queries: Any
) -> None:
    login(client, brand.lin_yue)
    for i in range(20):
        create_api_key(f"till-{i}", ["ingest:orders"])
    with django_assert_max_num_queries(6):
        assert client.get("/api-keys/").status_code == 200
