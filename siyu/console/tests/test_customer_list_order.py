"""Customer list: its total, newest first by default, sort by last order and by spend with
keyset pages that neither repeat nor skip rows, owners by name, a 400 for a bad sort."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from siyu.analytics.periods import today_local
from siyu.analytics.tests.factories import order
from siyu.console.tests.factories import days_ago, login, make_customer
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def buy(c: Customer, days: int, yuan: int, refund: int = 0) -> None:
    order(c, today_local() - timedelta(days=days), yuan, refund_yuan=refund)


@pytest.fixture
def people(brand: Brand) -> dict[str, Customer]:
    # Created in this order, acquired in another: the list sorts by acquisition time.
    out = {
        "旧": make_customer("旧", owner=brand.chen_jing, at=days_ago(300)),
        "新": make_customer("新", owner=brand.chen_jing, at=days_ago(1)),
        "中": make_customer("中", owner=brand.chen_jing, at=days_ago(30)),
        "无单": make_customer("无单", owner=brand.chen_jing, at=days_ago(10)),
    }
    buy(out["旧"], 2, 50)
    buy(out["中"], 20, 300, refund=200)  # net 100
    buy(out["新"], 1, 80)
    buy(out["新"], 0, 40)  # net 120, last order today
    return out


def page_by_page(client: Client, sort: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names on every page of one row each, following the keyset cursor."""
    monkeypatch.setattr("siyu.console.list_order.PAGE_SIZE", 1)
    seen: list[str] = []
    before = ""
    for _ in range(6):
        page = client.get(f"/customers/?sort={sort}{before}").context["page"]
        seen += [c.display_name for c in page.customers]
        if page.next_before is None:
            break
        before = f"&before={page.next_before}"
    return seen


def names(client: Client, query: str = "") -> list[str]:
    return [c.display_name for c in client.get(f"/customers/{query}").context["page"].customers]


def test_newest_first_by_default_with_the_total(
    client: Client, brand: Brand, people: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    response = client.get("/customers/")
    assert [c.display_name for c in response.context["page"].customers] == [
        "新",
        "无单",
        "中",
        "旧",
    ]
    assert response.context["page"].total == 4
    body = response.content.decode()
    assert "共 4 位客户" in body
    assert "获客日期" in body


def test_sort_by_last_order_and_by_spend_puts_non_buyers_last(
    client: Client, brand: Brand, people: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    assert names(client, "?sort=last_order") == ["新", "旧", "中", "无单"]
    assert names(client, "?sort=spend") == ["新", "中", "旧", "无单"]
    body = client.get("/customers/?sort=spend").content.decode()
    assert "<td>120</td>" in body  # spend shown in yuan, net of refunds


@pytest.mark.parametrize("sort", ["newest", "last_order", "spend"])
def test_keyset_pages_cover_every_row_once(
    client: Client,
    brand: Brand,
    people: dict[str, Customer],
    monkeypatch: pytest.MonkeyPatch,
    sort: str,
) -> None:
    login(client, brand.lin_yue)
    whole = names(client, f"?sort={sort}")
    seen = page_by_page(client, sort, monkeypatch)
    assert seen == whole
    assert len(seen) == 4


def test_owners_are_shown_by_name_not_login(
    client: Client, brand: Brand, people: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    body = client.get("/customers/").content.decode()
    assert "<td>陈静</td>" in body
    assert "chen.jing" not in body.split("<main>")[1]


def test_a_sales_rep_counts_only_her_customers(
    client: Client, brand: Brand, people: dict[str, Customer]
) -> None:
    make_customer("别人的", owner=brand.staff["sales02"])
    login(client, brand.chen_jing)
    assert client.get("/customers/").context["page"].total == 4


def test_an_unknown_sort_is_a_400(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.get("/customers/?sort=name';--")
    assert response.status_code == 400
    assert "newest" in response.content.decode()


@pytest.fixture
def facts(people: dict[str, Customer]) -> None:
    from siyu.segments.facts import facts_ready, fill_facts

    fill_facts()
    assert facts_ready()


@pytest.mark.parametrize("sort", ["last_order", "spend"])
def test_sorts_read_from_the_segment_facts_match_the_orders(
    client: Client,
    brand: Brand,
    people: dict[str, Customer],
    facts: None,
    monkeypatch: pytest.MonkeyPatch,
    sort: str,
) -> None:
    login(client, brand.lin_yue)
    expected = {"last_order": ["新", "旧", "中", "无单"], "spend": ["新", "中", "旧", "无单"]}
    assert names(client, f"?sort={sort}") == expected[sort]
    seen = page_by_page(client, sort, monkeypatch)
    assert seen == expected[sort]


def test_the_facts_sort_shows_values_and_keeps_the_scope(
    client: Client, brand: Brand, people: dict[str, Customer], facts: None
) -> None:
    other = make_customer("别人的", owner=brand.staff["sales02"])
    buy(other, 0, 999)
    from siyu.segments.facts import recompute_facts

    recompute_facts([other.pk])
    login(client, brand.chen_jing)
    assert names(client, "?sort=spend") == ["新", "中", "旧", "无单"]
    body = client.get("/customers/?sort=spend").content.decode()
    assert "<td>120</td>" in body
    assert "<td>0</td>" in body
    login(client, brand.lin_yue)
    assert names(client, "?sort=spend")[0] == "别人的"


def test_with_the_facts_filled_the_sorted_list_never_aggregates_orders(
    client: Client, brand: Brand, people: dict[str, Customer], facts: None
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from siyu.customers.models import Order

    login(client, brand.lin_yue)
    for sort in ("last_order", "spend"):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/customers/?sort={sort}").status_code == 200
        assert not [q for q in ctx.captured_queries if Order._meta.db_table in q["sql"]]
