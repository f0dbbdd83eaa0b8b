"""A known order sent again through the batch API: unchanged, conflict, or corrected."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from siyu.access.tests.clients import integration_client
from siyu.core.models import AuditLog
from siyu.customers.models import Order
from siyu.customers.tests.test_api_batch import ORDER
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def post(client: Client, body: Any) -> Any:
    return client.post("/api/orders/batch", json.dumps(body), content_type="application/json")


def test_resent_orders_are_counted_unchanged_and_changed_ones_conflict_or_update(
    brand: Brand,
) -> None:
    client = integration_client("pos")
    assert post(client, {"items": [ORDER]}).json()["created"] == 1
    again = post(client, {"items": [ORDER]}).json()
    assert (again["created"], again["unchanged"], again["updated"]) == (0, 1, 0)
    assert again["items"][0]["outcome"] == "unchanged"

    changed = {**ORDER, "paid_fen": 4000}
    conflict = post(client, {"items": [changed], "partial": True}).json()
    assert conflict["rejected"] == [0]
    assert conflict["errors"][0]["field"] == "order_no"
    assert "paid_fen" in conflict["errors"][0]["message"]
    assert Order.objects.get().paid_fen == 5000

    corrected = post(client, {"items": [changed], "update": True}).json()
    assert (corrected["created"], corrected["unchanged"], corrected["updated"]) == (0, 0, 1)
    assert Order.objects.get().paid_fen == 4000
    assert AuditLog.objects.filter(action="order.corrected").count() == 1
