"""The segment pages say how old membership is: the oldest change the feed has not
reflected yet, in the reader's language."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone, translation

from siyu.console.tests.factories import login
from siyu.customers.models import CustomerChange
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import Brand
from siyu.segments.define import create_segment
from siyu.segments.feed import poll_changes
from siyu.segments.freshness import age_words
from siyu.segments.tests.factories import make_customer


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _drain() -> None:
    while poll_changes() > 0:
        pass


def test_the_pages_show_the_age_of_the_oldest_unhandled_change(
    client: Client, brand: Brand
) -> None:
    tag = ensure_tag("兴趣", "手冲")
    segment = create_segment("有标签", {"kind": "tags", "mode": "any", "tag_ids": [tag.pk]})
    login(client, brand.lin_yue)
    with translation.override("zh-hans"):
        page = client.get(f"/segments/{segment.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.context["freshness"] in ("成员尚未计算", "数据更新于刚刚")
    _drain()
    add_tag(make_customer("张敏"), tag)
    # Written 12 seconds ago and not handled yet.
    CustomerChange.objects.update(created_at=timezone.now() - timedelta(seconds=12))
    page = client.get(f"/segments/{segment.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert re.search(r"数据更新于 1[234] 秒前", page.content.decode())
    _drain()
    listing = client.get("/segments/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "数据更新于刚刚" in listing.content.decode()


def test_ages_in_words_in_both_languages() -> None:
    now = timezone.now()
    with translation.override("en"):
        assert age_words(timedelta(seconds=1), now) == "Data as of 1 second ago"
        assert age_words(timedelta(seconds=40), now) == "Data as of 40 seconds ago"
        assert age_words(timedelta(minutes=3), now) == "Data as of 3\xa0minutes ago"
    with translation.override("zh-hans"):
        assert age_words(timedelta(0), now) == "数据更新于刚刚"
        assert age_words(timedelta(minutes=3), now) == "数据更新于 3\xa0分钟前"
