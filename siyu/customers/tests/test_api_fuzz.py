"""Whatever JSON arrives, the batch endpoints answer with a status below 500."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.access.tests.clients import integration_client
from siyu.customers.tests.test_api_batch import ORDER

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=80),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
EVENT = {
    "identities": [{"type": "phone", "value": "13912340001"}],
    "type": "visit",
    "occurred_at": "2025-03-01T10:00:00Z",
    "properties": {},
}
PROFILE = {"identities": [{"type": "app_user_id", "value": "u1"}], "display_name": "阿敏"}
VALID: dict[str, dict[str, Any]] = {
    "/api/orders/batch": ORDER,
    "/api/events/batch": EVENT,
    "/api/customers/batch": PROFILE,
}


@pytest.fixture
def client(db: None) -> Client:
    return integration_client("fuzz")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=st.sampled_from(sorted(VALID)), data=st.data())
def test_one_field_replaced_by_any_json_never_breaks_the_server(
    client: Client, url: str, data: st.DataObject
) -> None:
    item = dict(VALID[url])
    key = data.draw(st.sampled_from([*item.keys(), "extra"]))
    item[key] = data.draw(JSON)
    response = client.post(url, json.dumps({"items": [item]}), content_type="application/json")
    assert response.status_code < 500
    assert response.json()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(url=st.sampled_from(sorted(VALID)), body=JSON)
def test_any_json_body_never_breaks_the_server(client: Client, url: str, body: Any) -> None:
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert 400 <= response.status_code < 500 or response.status_code == 200
