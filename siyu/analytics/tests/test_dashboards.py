"""Dashboard pages: render for HQ, are scoped for a store manager, bounded queries, CSV
for every table, and 400 (never 500) for bad parameters."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from pytest_django import DjangoAssertNumQueries

from siyu.analytics.tests.factories import customer, order, spend
from siyu.console.tests.factories import login
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
Q1 = "from=2025-01-01&to=2025-03-31"
PAGES = ["", "gmv/", "channels/", "cohorts/", "clv/", "lift/"]


@pytest.mark.parametrize("page", PAGES)
def test_pages_render_for_hq_with_bounded_queries(
    client: Client,
    brand: Brand,
    shop: dict[str, Customer],
    page: str,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    login(client, brand.lin_yue)
    with django_assert_max_num_queries(40):
        response = client.get(f"/analytics/{page}?{Q1}")
    assert response.status_code == 200
    assert '<svg class="chart' in response.content.decode() or page == "clv/"


def test_gmv_tree_shows_the_split_and_breakdowns(
    client: Client, brand: Brand, shop: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    body = client.get("/analytics/gmv/?from=2025-03-01&to=2025-03-31").content.decode()
    assert "550.00" in body
    assert "450.00" in body
    assert "抖音" in body
    assert "小红书" in body


def test_store_manager_sees_only_his_store(
    client: Client, brand: Brand, shop: dict[str, Customer]
) -> None:
    login(client, brand.wang_qiang)
    response = client.get("/analytics/gmv/?from=2025-03-01&to=2025-03-31")
    factors = response.context["tables"]["factors"]
    assert factors.rows[-1][2] == "250.00"  # only 甲's March orders at 静安
    assert "小红书" not in [row[0] for row in response.context["tables"]["channels"].rows]
    assert all(
        u.path.startswith(brand.stores["上海静安店"].path) for u in response.context["units"]
    )


def test_every_table_exports_as_csv(
    client: Client, brand: Brand, shop: dict[str, Customer]
) -> None:
    spend("抖音", date(2025, 1, 1), date(2025, 3, 31), 60000)
    login(client, brand.lin_yue)
    for page in PAGES:
        tables = client.get(f"/analytics/{page}?{Q1}").context["tables"]
        for key in tables:
            response = client.get(f"/analytics/{page}?{Q1}&csv={key}")
            assert response.status_code == 200
            assert response["Content-Type"].startswith("text/csv")
            text = response.content.decode("utf-8-sig")
            assert text.splitlines()[0].split(",")[0] == tables[key].headers[0]


@pytest.mark.parametrize(
    "query",
    [
        "from=2025-13-01",
        "from=2025-03-10&to=2025-03-01",
        "from=1900-01-01&to=2025-01-01",
        "org=abc",
        "org=99999999",
        "org=" + "9" * 100,
        "csv=nope",
        "from=" + "x" * 500,
    ],
)
def test_bad_parameters_are_400_with_a_message(client: Client, brand: Brand, query: str) -> None:
    login(client, brand.lin_yue)
    response = client.get(f"/analytics/gmv/?{query}")
    assert response.status_code == 400
    assert response.content


def test_lift_page_with_unknown_tag_is_400(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert client.get("/analytics/lift/?treatment=424242&control=1").status_code == 400


def test_anonymous_users_are_sent_to_login(client: Client, brand: Brand) -> None:
    assert client.get("/analytics/").status_code == 302


def test_clv_page_explains_when_there_is_too_little_data(
    client: Client, brand: Brand, shop: dict[str, Customer]
) -> None:
    login(client, brand.lin_yue)
    response = client.get(f"/analytics/clv/?{Q1}")
    assert response.status_code == 200
    assert response.context["problem"]


def test_clv_page_fits_and_ranks_customers(client: Client, brand: Brand) -> None:
    for i in range(40):
        c = customer(f"客{i}", date(2025, 1, 1) + timedelta(days=i % 20))
        for k in range(i % 5 + 1):
            order(c, date(2025, 1, 25) + timedelta(days=17 * k + i % 7), 50 + 10 * (i % 4) + 5 * k)
    login(client, brand.lin_yue)
    response = client.get("/analytics/clv/?from=2025-01-01&to=2025-06-30")
    assert response.status_code == 200
    tables = response.context["tables"]
    assert tables["parameters"].rows[0][0] == "BG/NBD"
    assert sum(row[1] for row in tables["churn_risk"].rows) == 40
    assert len(tables["customers"].rows) == 40


def test_pages_speak_simplified_chinese_by_default(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    body = client.get("/analytics/gmv/").content.decode()
    assert "GMV 拆解" in body
    assert "数据分析" in body  # the console navigation link
