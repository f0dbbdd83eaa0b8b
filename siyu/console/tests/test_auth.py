from __future__ import annotations

import pytest
from django.test import Client

from siyu.console.tests.factories import login
from siyu.demo.brand import DEMO_PASSWORD, Brand

pytestmark = pytest.mark.django_db


def test_console_pages_require_login(client: Client) -> None:
    for url in ["/", "/today/live/", "/customers/", "/customers/1/", "/tags/", "/imports/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_root_is_the_first_screen_and_the_list_keeps_its_url(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    assert client.get("/").templates[0].name == "console/today/page.html"
    assert client.get("/customers/").status_code == 200


def test_login_page_is_chinese_by_default_and_logs_in(client: Client, brand: Brand) -> None:
    page = client.get("/login/")
    assert "登录" in page.content.decode()
    response = client.post("/login/", {"username": "lin.yue", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"  # the first screen (今日)


def test_wrong_password_shows_the_form_again(client: Client, brand: Brand) -> None:
    response = client.post("/login/", {"username": "lin.yue", "password": "nope"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_language_switch_to_english(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    client.post("/i18n/setlang/", {"language": "en", "next": "/customers/"})
    body = client.get("/customers/").content.decode()
    assert "Customers" in body
    assert "Log out" in body


def test_logout_returns_to_login(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    response = client.post("/logout/")
    assert response["Location"] == "/login/"
    assert client.get("/customers/").status_code == 302
