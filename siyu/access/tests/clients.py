"""A test client that authenticates the way an integration does."""

from __future__ import annotations

from collections.abc import Iterable

from django.test import Client

from siyu.access.keys import create_api_key
from siyu.access.models import Scope


def integration_client(
    name: str = "pos",
    header: str = "bearer",
    scopes: Iterable[str] = Scope.values,
    rate_per_minute: int = 100_000,
) -> Client:
    """A client with a fresh key; every scope and a budget no test reaches unless asked."""
    _, raw_key = create_api_key(name, scopes, rate_per_minute=rate_per_minute)
    if header == "bearer":
        return Client(headers={"authorization": f"Bearer {raw_key}"})
    return Client(headers={"x-api-key": raw_key})
