from __future__ import annotations

import pytest
from django.test import Client

from siyu.console.tests.factories import days_ago, login, make_customer
from siyu.customers.events import record_event
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


def test_timeline_names_known_events_and_keeps_unknown_ones(client: Client, brand: Brand) -> None:
    customer = make_customer("刘洋", owner=brand.chen_jing)
    record_event(customer, type="wecom_contact_added", occurred_at=days_ago(3), idempotency_key="a")
    record_event(customer, type="x_custom_thing", occurred_at=days_ago(2), idempotency_key="b")
    body = login(client, brand.lin_yue).get(f"/customers/{customer.pk}/").content.decode()
    assert "添加企业微信" in body
    assert "wecom_contact_added" not in body
    assert "x_custom_thing" in body
