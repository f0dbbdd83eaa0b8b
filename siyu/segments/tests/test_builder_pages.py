"""The editor's visual builder on the server: a saved rule opens as builder rows, the live
count and saving take builder fields, switching to JSON keeps the rule, and members'
reasons read as words."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from siyu.console.tests.factories import login
from siyu.demo.brand import Brand
from siyu.segments.define import create_segment
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Segment
from siyu.segments.tests.factories import buy, make_customer

pytestmark = pytest.mark.django_db

TWO_ORDERS = {"kind": "orders", "metric": "frequency", "window_days": 30, "op": ">=", "value": 2}
BIG_SPENDER = {"kind": "orders", "metric": "monetary", "op": ">=", "value": 50000}
RULE = {"kind": "or", "rules": [TWO_ORDERS, BIG_SPENDER]}


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def buyers() -> None:
    """常客 ordered twice in the last week, 大客 spent ¥600 long ago, 路人 neither."""
    now = timezone.now()
    often = make_customer("常客")
    buy(often, now - timedelta(days=3), 1000)
    buy(often, now - timedelta(days=5), 1000)
    big = make_customer("大客")
    buy(big, now - timedelta(days=200), 60000)
    buy(make_customer("路人"), now - timedelta(days=3), 1000)


BUILDER_POST = {
    "mode": "builder",
    "n0-parent": "",
    "n0-kind": "or",
    "n1-parent": "0",
    "n1-kind": "orders",
    "n1-orders-metric": "frequency",
    "n1-orders-window_days": "30",
    "n1-orders-op": ">=",
    "n1-orders-value": "2",
    "n2-parent": "0",
    "n2-kind": "orders",
    "n2-orders-metric": "monetary",
    "n2-orders-op": ">=",
    "n2-orders-value": "500",
}


def test_a_saved_rule_opens_in_the_builder_with_money_in_yuan(client: Client, brand: Brand) -> None:
    segment = create_segment("常客或大客", RULE)
    response = login(client, brand.lin_yue).get(f"/segments/{segment.pk}/edit/")
    assert response.context["mode"] == "builder"
    body = response.content.decode()
    assert 'name="n2-orders-value" min="0" step="any" required value="500.00"' in body
    assert "builder.js" in body
    assert "<script>" not in body  # the CSP allows no inline script


def test_live_count_and_save_take_builder_fields(client: Client, brand: Brand) -> None:
    buyers()
    login(client, brand.lin_yue)
    response = client.post("/segments/count/", BUILDER_POST)
    assert response.context["count"] == 2
    assert "近 30 天下单 ≥ 2 次" in response.content.decode()
    saved = client.post("/segments/new/", {**BUILDER_POST, "name": "常客或大客"})
    assert saved.status_code == 302
    segment = Segment.objects.get(name="常客或大客")
    assert segment.rule == RULE


def test_bad_builder_fields_are_a_400_in_words(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    bad = {**BUILDER_POST, "n2-orders-value": "-3", "name": "坏"}
    response = client.post("/segments/new/", bad)
    assert response.status_code == 400
    assert "金额以元为单位" in response.content.decode()
    assert response.context["mode"] == "builder"


def test_switching_to_json_and_back_keeps_the_rule(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    as_json = client.post("/segments/convert/", {**BUILDER_POST, "to": "json"})
    assert as_json.context["mode"] == "json"
    assert '"value": 50000' in as_json.context["rule_text"]
    back = client.post(
        "/segments/convert/",
        {"mode": "json", "rule": as_json.context["rule_text"], "to": "builder"},
    )
    assert back.context["mode"] == "builder"
    assert client.post("/segments/convert/", {"to": "x"}).status_code == 400


def test_members_reasons_read_as_words(client: Client, brand: Brand) -> None:
    buyers()
    segment = create_segment("常客或大客", RULE)
    refresh_segment(segment.pk)
    body = login(client, brand.lin_yue).get(f"/segments/{segment.pk}/").content.decode()
    assert "近 30 天下单 ≥ 2 次 ✓" in body
    assert "累计净消费 ≥ ¥500.00 ✗" in body
    assert "(近 30 天下单 ≥ 2 次 或 累计净消费 ≥ ¥500.00)" in body
