"""A test client that authenticates the way an integration does."""

from __future__ import annotations

from django.test import Client

from siyu.access.keys import create_api_key


def integration_client(name: str = "pos", header: str = "bearer") -> Client:
    _, raw_key = create_api_key(name)
    if header == "bearer":
        return Client(headers={"authorization": f"Bearer {raw_key}"})
    return Client(headers={"x-api-key": raw_key})
