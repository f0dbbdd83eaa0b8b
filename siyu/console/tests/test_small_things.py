"""Issue 13 §5's small things: error pages in the user's language with the navigation, the
favicon, the API docs linked for admins, money typed in yuan, words instead of keys."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings

from siyu.console.tests.factories import login
from siyu.demo.brand import Brand
from siyu.segments.thresholds import load_thresholds

pytestmark = pytest.mark.django_db


def test_404_is_translated_and_keeps_the_navigation(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    body = client.get("/customers/999999/").content.decode()
    assert "页面不存在" in body
    assert 'class="topbar"' in body
    assert "退出登录" in body
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_403_says_why_in_chinese(client: Client, brand: Brand) -> None:
    login(client, brand.chen_jing)
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "您没有访问此页面的权限" in response.content.decode()


@override_settings(DEBUG=False)
def test_500_page_renders_without_a_request() -> None:
    from django.test import RequestFactory
    from django.views.defaults import server_error

    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "出错了" in response.content.decode()


def test_favicon_is_linked_and_served(client: Client, brand: Brand) -> None:
    body = client.get("/login/").content.decode()
    assert 'rel="icon"' in body
    assert "favicon.svg" in body


def test_api_docs_are_linked_for_admins_only(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert 'href="/api/docs"' in client.get("/customers/").content.decode()
    login(client, brand.chen_jing)
    assert 'href="/api/docs"' not in client.get("/customers/").content.decode()


def test_layering_thresholds_are_read_and_typed_in_yuan(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    body = client.get("/segments/layering/").content.decode()
    assert "高价值起点（元）" in body
    assert 'name="value_high_fen" value="1000"' in body  # 100,000 fen
    form = {
        "rfm_mode": "quintile",
        "recency_days": "7, 30, 90, 180",
        "frequency": "2, 3, 5, 10",
        "monetary_fen": "100, 300, 1000, 3000",
        "high_score": "4",
        "value_medium_fen": "299.5",
        "value_high_fen": "2000",
        "new_days": "30",
        "active_days": "90",
        "churn_days": "180",
    }
    assert client.post("/segments/layering/", form).status_code == 302
    saved = load_thresholds()
    assert (saved.value_medium_fen, saved.value_high_fen) == (29950, 200000)
    assert saved.monetary_fen == [10000, 30000, 100000, 300000]


def test_threshold_errors_name_the_field_in_chinese(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post("/segments/layering/", {"active_days": "abc"})
    assert response.status_code == 400
    assert response.context["errors"] == ["活跃天数：请填写整数（金额可带两位小数）"]


def test_lifecycle_table_reads_in_words(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    rows = client.get("/analytics/").context["tables"]["lifecycle"].rows
    watched = " ".join(row[1] for row in rows)
    assert "=" not in watched
    assert "_" not in watched
    assert re.search(r"掉粉率 \d+\.\d%", watched)  # a fraction reads as a percentage


def test_breakdown_names_a_group_not_a_person(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    headers = client.get("/analytics/gmv/").context["tables"]["channels"].headers
    assert headers[0] == "名称"
