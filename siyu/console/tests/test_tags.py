from __future__ import annotations

import pytest
from django.test import Client

from siyu.console.tests.factories import login, make_customer
from siyu.customers.models import Tag, TagKind
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def test_tag_page_lists_groups_rules_and_scoped_counts(client: Client, brand: Brand) -> None:
    vip = ensure_tag("价值", "高价值")
    rule = {"metric": "orders_90d", "op": ">=", "value": 2}
    ensure_tag("行为", "复购", kind=TagKind.RULE, rule=rule)
    add_tag(make_customer("张敏", owner=brand.chen_jing), vip)
    add_tag(make_customer("刘洋", owner=brand.staff["sales05"]), vip)
    admin_page = login(client, brand.lin_yue).get("/tags/")
    body = admin_page.content.decode()
    assert "复购" in body
    assert "orders_90d" in body
    counts = {t.name: t.customer_count for g in admin_page.context["groups"] for t in g.tags.all()}
    assert counts == {"高价值": 2, "复购": 0}
    manager_page = login(client, brand.wang_qiang).get("/tags/")
    groups = manager_page.context["groups"]
    assert {t.name: t.customer_count for g in groups for t in g.tags.all()}["高价值"] == 1


def test_hq_creates_manual_tags(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post("/tags/", {"group": "兴趣", "name": "手冲"})
    assert response.status_code == 302
    tag = Tag.objects.get(name="手冲")
    assert (tag.group.name, tag.kind) == ("兴趣", TagKind.MANUAL)


def test_empty_tag_name_is_a_form_error(client: Client, brand: Brand) -> None:
    response = login(client, brand.lin_yue).post("/tags/", {"group": "兴趣", "name": "  "})
    assert response.status_code == 200
    assert not Tag.objects.exists()


def test_sales_staff_cannot_create_tags(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    assert client.get("/tags/").status_code == 200
    assert client.post("/tags/", {"group": "兴趣", "name": "手冲"}).status_code == 403
    assert not Tag.objects.exists()
