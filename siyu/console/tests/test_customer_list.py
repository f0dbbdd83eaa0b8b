from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from siyu.console.queries import PAGE_SIZE
from siyu.console.tests.factories import login, make_customer
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def names(response: Any) -> list[str]:
    return [c.display_name for c in response.context["page"].customers]


def test_admin_sees_everyone_newest_first(client: Client, brand: Brand) -> None:
    make_customer("张敏", owner=brand.chen_jing)
    make_customer("刘洋", owner=brand.staff["sales05"])
    response = login(client, brand.lin_yue).get("/customers/")
    assert response.status_code == 200
    assert names(response) == ["刘洋", "张敏"]


def test_sales_staff_see_only_customers_they_follow(client: Client, brand: Brand) -> None:
    make_customer("张敏", owner=brand.chen_jing)
    make_customer("刘洋", owner=brand.staff["sales02"])
    assert names(login(client, brand.chen_jing).get("/customers/")) == ["张敏"]


def test_store_manager_sees_only_his_store(client: Client, brand: Brand) -> None:
    make_customer("张敏", owner=brand.chen_jing)
    make_customer("刘洋", owner=brand.staff["sales05"])
    assert names(login(client, brand.wang_qiang).get("/customers/")) == ["张敏"]


def test_search_by_name_phone_suffix_and_full_phone(client: Client, brand: Brand) -> None:
    make_customer("张敏", phone="13911112222")
    make_customer("赵蕾", phone="13633334444")
    login(client, brand.lin_yue)
    assert names(client.get("/customers/", {"q": "张"})) == ["张敏"]
    assert names(client.get("/customers/", {"q": "4444"})) == ["赵蕾"]
    assert names(client.get("/customers/", {"q": "139 1111 2222"})) == ["张敏"]
    assert names(client.get("/customers/", {"q": "no such person"})) == []


def test_search_by_any_identity_value(client: Client, brand: Brand) -> None:
    from siyu.customers.identity_rules import IdentityInput
    from siyu.customers.profiles import upsert_customer

    upsert_customer(
        [IdentityInput("taobao_buyer_id", "tb_zhangmin")],
        fields={"display_name": "张敏"},
        source="test",
    )
    login(client, brand.lin_yue)
    assert names(client.get("/customers/", {"q": "tb_zhangmin"})) == ["张敏"]


def test_filter_by_tag_and_owner(client: Client, brand: Brand) -> None:
    vip = ensure_tag("价值", "高价值")
    a = make_customer("张敏", owner=brand.chen_jing)
    make_customer("刘洋", owner=brand.chen_jing)
    make_customer("赵蕾", owner=brand.staff["sales02"])
    add_tag(a, vip)
    login(client, brand.lin_yue)
    assert names(client.get("/customers/", {"tag": vip.pk})) == ["张敏"]
    assert names(client.get("/customers/", {"owner": brand.staff["sales02"].pk})) == ["赵蕾"]


def test_keyset_pagination_follows_the_last_id(client: Client, brand: Brand) -> None:
    created = [make_customer(f"客户{i:03d}") for i in range(PAGE_SIZE + 5)]
    login(client, brand.lin_yue)
    first = client.get("/customers/")
    page = first.context["page"]
    assert len(page.customers) == PAGE_SIZE
    assert page.next_before == created[5].pk
    assert f"before={page.next_before}" in first.content.decode()
    second = client.get("/customers/", {"before": page.next_before})
    assert names(second) == [c.display_name for c in reversed(created[:5])]
    assert second.context["page"].next_before is None


def test_bad_filter_values_are_a_400_naming_the_parameter(client: Client, brand: Brand) -> None:
    make_customer("张敏")
    login(client, brand.lin_yue)
    for params in ({"tag": "abc"}, {"owner": "-1"}, {"before": "x" * 50}):
        response = client.get("/customers/", params)
        assert response.status_code == 400
        assert next(iter(params)) in response.content.decode()


def test_htmx_search_returns_only_the_results(client: Client, brand: Brand) -> None:
    make_customer("张敏")
    login(client, brand.lin_yue)
    response = client.get("/customers/", {"q": "张", "partial": "rows"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "张敏" in body
    assert "<html" not in body


def test_list_query_count_does_not_grow_with_rows(
    client: Client, brand: Brand, django_assert_max_num_queries: Any
) -> None:
    tag = ensure_tag("价值", "高价值")
    for i in range(30):
        add_tag(make_customer(f"客户{i}", owner=brand.chen_jing), tag)
    login(client, brand.lin_yue)
    # session, user, staff (scope), staff (owner list), tags, total, customers, tag links
    with django_assert_max_num_queries(10):
        response = client.get("/customers/", {"q": "客户"})
    assert len(response.context["page"].customers) == 30


@pytest.mark.parametrize("name_matches", [2000, 2])
def test_a_search_finds_the_same_profiles_read_by_id_or_walked(
    client: Client, brand: Brand, monkeypatch: pytest.MonkeyPatch, name_matches: int
) -> None:
    """A few matches are found by the name and phone indexes and read by id; more than
    NAME_MATCHES are tested row by row as the list is walked: the same page either way."""
    from siyu.console import queries

    monkeypatch.setattr(queries, "NAME_MATCHES", name_matches)
    for i, name in enumerate(["张一", "刘洋", "张二", "Zhang", "张三", "zhang", "张四"]):
        make_customer(name, phone=f"139{i:04d}{1111 if i % 2 else 4444}")
    login(client, brand.lin_yue)
    assert names(client.get("/customers/", {"q": "张"})) == ["张四", "张三", "张二", "张一"]
    # Case-sensitive on SQLite as on PostgreSQL (LIKE there, an index range here).
    assert names(client.get("/customers/", {"q": "Zh"})) == ["Zhang"]
    assert names(client.get("/customers/", {"q": "4444"})) == ["张四", "张三", "张二", "张一"]
    assert names(client.get("/customers/", {"q": "张三"})) == ["张三"]
    assert names(client.get("/customers/", {"q": "李"})) == []
