"""Write and check API keys. The raw key leaves this module only once, from
``create_api_key``; everything else works on its hash."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from siyu.access.models import DEFAULT_RATE_PER_MINUTE, ApiKey, Scope

KEY_PREFIX = "siyu_"


def hash_key(raw_key: str) -> str:
    # A plain SHA-256 is enough: keys are 256 random bits, so there is nothing to brute-force
    # the way a password would be, and a fast hash keeps every request cheap.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def clean_scopes(scopes: Iterable[str]) -> list[str]:
    """Known scopes in a stable order; ValueError naming an unknown one."""
    wanted = {s.strip() for s in scopes if s.strip()}
    unknown = sorted(wanted - set(Scope.values))
    if unknown:
        raise ValueError(f"unknown scope {unknown[0]!r}; scopes are: {', '.join(Scope.values)}")
    return [s for s in Scope.values if s in wanted]


def _clean_rate(rate_per_minute: int) -> int:
    if not 1 <= rate_per_minute <= 1_000_000:
        raise ValueError("the rate limit must be between 1 and 1,000,000 requests per minute")
    return rate_per_minute


def create_api_key(
    name: str, scopes: Iterable[str], *, rate_per_minute: int = DEFAULT_RATE_PER_MINUTE
) -> tuple[ApiKey, str]:
    """Create a key for an integration; returns the row and the raw key (shown only once)."""
    name = name.strip()
    if not name:
        raise ValueError("an API key needs a name (the integration that will use it)")
    granted = clean_scopes(scopes)
    if not granted:
        raise ValueError(f"an API key needs at least one scope: {', '.join(Scope.values)}")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if ApiKey.objects.filter(name=name).exists():
            raise ValueError(f"an API key named {name!r} already exists")
        key = ApiKey.objects.create(
            name=name,
            prefix=raw_key[: len(KEY_PREFIX) + 6],
            key_hash=hash_key(raw_key),
            scopes=granted,
            rate_per_minute=_clean_rate(rate_per_minute),
        )
    return key, raw_key


def set_api_key_scopes(
    name: str, scopes: Iterable[str], *, rate_per_minute: int | None = None
) -> ApiKey:
    """Replace a key's scopes (and optionally its rate limit); takes effect on the next call."""
    granted = clean_scopes(scopes)
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(name=name).first()
        if key is None:
            raise ValueError(f"no API key named {name!r}")
        key.scopes = granted
        if rate_per_minute is not None:
            key.rate_per_minute = _clean_rate(rate_per_minute)
        key.save(update_fields=["scopes", "rate_per_minute"])
    return key


def revoke_api_key(name: str) -> ApiKey:
    """Revoke by name; revoking twice keeps the first revocation time."""
    with transaction.atomic():
        key = ApiKey.objects.select_for_update().filter(name=name).first()
        if key is None:
            raise ValueError(f"no API key named {name!r}")
        if key.revoked_at is None:
            key.revoked_at = timezone.now()
            key.save(update_fields=["revoked_at"])
    return key


def find_api_key(raw_key: str | None) -> ApiKey | None:
    """The active key matching ``raw_key``, or None. Reads only: use is recorded by the
    rate limiter once the key's scope allows the call."""
    if not raw_key or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    return ApiKey.objects.filter(key_hash=hash_key(raw_key), revoked_at__isnull=True).first()
