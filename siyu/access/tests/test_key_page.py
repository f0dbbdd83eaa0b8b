"""The console's API key page: every key with its scopes and last use, for admins only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from siyu.access.keys import create_api_key, find_api_key, revoke_api_key
from siyu.access.models import ApiKey
from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
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


def test_an_admin_creates_a_key_seen_once_and_revokes_it(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    page = client.post(
        "/api-keys/",
        {"name": "pos", "scopes": ["ingest:orders", "customers:lookup"], "rate_per_minute": "60"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    key = ApiKey.objects.get(name="pos")
    assert key.scopes == ["ingest:orders", "customers:lookup"]
    raw = html.split('<code class="raw-key">')[1].split("</code>")[0]
    assert find_api_key(raw) == key
    assert raw not in client.get("/api-keys/").content.decode()  # shown once

    assert client.post("/api-keys/revoke/", {"key": key.pk}).status_code == 302
    assert find_api_key(raw) is None
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"api_key.create", "api_key.revoke"} <= actions


def test_key_form_errors_are_translated(client: Client, brand: Brand) -> None:
    create_api_key("pos", ["ingest:orders"])
    login(client, brand.lin_yue)
    page = client.post("/api-keys/", {"name": "pos", "rate_per_minute": "0"})
    html = page.content.decode()
    assert page.status_code == 400
    assert "已有同名密钥。" in html
    assert "请至少选择一个权限范围。" in html
    assert client.post("/api-keys/revoke/", {"key": "1" * 30}).status_code == 400


@pytest.mark.parametrize("persona", ["wang.qiang", "chen.jing"])
def test_other_roles_may_not_create_or_revoke(client: Client, brand: Brand, persona: str) -> None:
    key, _ = create_api_key("pos", ["ingest:orders"])
    login(client, brand.staff[persona])
    assert client.post("/api-keys/", {"name": "x", "scopes": ["ingest:orders"]}).status_code == 403
    assert client.post("/api-keys/revoke/", {"key": key.pk}).status_code == 403
    assert ApiKey.objects.get(pk=key.pk).revoked_at is None
