"""Write and check API keys. The raw key leaves this module only once, from
``create_api_key``; everything else works on its hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from siyu.access.models import ApiKey

KEY_PREFIX = "siyu_"
# Touching last_used_at on every request would turn each read into a write (and serialise
# requests on SQLite); once a minute is precise enough to spot an unused key.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(raw_key: str) -> str:
    # A plain SHA-256 is enough: keys are 256 random bits, so there is nothing to brute-force
    # the way a password would be, and a fast hash keeps every request cheap.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_api_key(name: str) -> tuple[ApiKey, str]:
    """Create a key for an integration; returns the row and the raw key (shown only once)."""
    name = name.strip()
    if not name:
        raise ValueError("an API key needs a name (the integration that will use it)")
    raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        if ApiKey.objects.filter(name=name).exists():
            raise ValueError(f"an API key named {name!r} already exists")
        key = ApiKey.objects.create(
            name=name, prefix=raw_key[: len(KEY_PREFIX) + 6], key_hash=hash_key(raw_key)
        )
    return key, raw_key


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


def check_api_key(raw_key: str | None) -> ApiKey | None:
    """The active key matching ``raw_key``, or None; records when it was last used."""
    if not raw_key or not raw_key.startswith(KEY_PREFIX) or len(raw_key) > 200:
        return None
    key = ApiKey.objects.filter(key_hash=hash_key(raw_key), revoked_at__isnull=True).first()
    if key is None:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE rather than save(): concurrent requests do not overwrite
        # each other, and no row lock is held.
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
