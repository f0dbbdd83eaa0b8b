from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from siyu.access.keys import create_api_key, revoke_api_key
from siyu.access.tests.clients import integration_client

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("post", "/api/customers/batch"),
    ("post", "/api/events/batch"),
    ("post", "/api/orders/batch"),
    ("get", "/api/customers/lookup?type=phone&value=13912345678"),
]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_every_endpoint_needs_a_key(method: str, url: str) -> None:
    response = getattr(Client(), method)(url, {"items": []}, content_type="application/json")
    assert response.status_code == 401
    assert "API key" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        {"authorization": "Bearer siyu_wrong"},
        {"authorization": "Basic dXNlcjpwYXNz"},
        {"x-api-key": "siyu_wrong"},
        {"x-api-key": ""},
    ],
)
def test_wrong_keys_are_refused(headers: dict[str, str]) -> None:
    response = Client(headers=headers).post(
        "/api/customers/batch", {"items": []}, content_type="application/json"
    )
    assert response.status_code == 401


@pytest.mark.parametrize("header", ["bearer", "x-api-key"])
def test_a_key_works_as_bearer_token_or_header(header: str) -> None:
    client = integration_client(header=header)
    response = client.post("/api/customers/batch", {"items": []}, content_type="application/json")
    assert response.status_code == 200


def test_a_revoked_key_is_refused() -> None:
    _, raw = create_api_key("old-pos", ["ingest:profiles"])
    revoke_api_key("old-pos")
    response = Client(headers={"x-api-key": raw}).post(
        "/api/customers/batch", {"items": []}, content_type="application/json"
    )
    assert response.status_code == 401


def test_docs_render_without_loading_anything_from_another_host() -> None:
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r"(src|href)=[\"'](https?:)?//", html)
    # Every asset the page names is one the static files finders can serve.
    assets = re.findall(r"(?:src|href)=[\"']/static/([^\"']+)", html)
    assert "ninja/swagger-ui-bundle.js" in assets
    assert all(finders.find(a) for a in assets)


def test_openapi_schema_lists_the_endpoints_and_both_key_schemes() -> None:
    schema = Client().get("/api/openapi.json").json()
    assert {"/api/customers/batch", "/api/events/batch", "/api/orders/batch"} <= set(
        schema["paths"]
    )
    assert "/api/customers/lookup" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert {s["type"] for s in schemes.values()} == {"http", "apiKey"}
