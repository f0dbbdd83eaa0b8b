from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_chinese_by_default_even_for_an_english_browser(client: Client) -> None:
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="zh-hans"' in page.content.decode()


@pytest.mark.django_db
def test_english_once_chosen(client: Client) -> None:
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    page = client.get("/login/")
    assert 'lang="en"' in page.content.decode()
