"""access_token per corp and app, shared by every process through the database.

WeCom asks clients to cache the token (~7,200 s) and not to call gettoken often: bad
callers get blocked for an hour. So the token lives in one row per (corp, app); a process
that finds it stale locks the row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers) and checks again before fetching, so N parallel callers
cause one gettoken. WeCom may revoke a token early (40014/42001): ``invalidate`` marks the
row stale only if it still holds the rejected token, so a burst of rejections refetches once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from siyu.core.pii import decrypt_pii, encrypt_pii
from siyu.integrations.wecom.client.models import AccessToken

# Refresh this much before WeCom's expiry, so a token never dies mid-request.
REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class FetchedToken:
    token: str
    expires_in: int


def app_key(secret: str) -> str:
    """Tokens are per secret; the table stores a hash of it, never the secret."""
    return hashlib.sha256(secret.encode()).hexdigest()[:32]


def _usable(row: AccessToken | None, now: datetime) -> str | None:
    if row is None or row.expires_at is None or row.expires_at <= now:
        return None
    return decrypt_pii(row.token_encrypted) if row.token_encrypted else None


def get_token(
    corp_id: str,
    app: str,
    fetch: Callable[[], FetchedToken],
    now: Callable[[], datetime] = timezone.now,
) -> str:
    token = _usable(AccessToken.objects.filter(corp_id=corp_id, app=app).first(), now())
    if token is not None:
        return token
    # The row must exist before it can be locked; get_or_create survives the creation race.
    AccessToken.objects.get_or_create(corp_id=corp_id, app=app)
    with transaction.atomic():
        row = AccessToken.objects.select_for_update().get(corp_id=corp_id, app=app)
        token = _usable(row, now())
        if token is not None:
            return token  # another process refreshed while we waited for the lock
        fetched = fetch()
        at = now()
        row.token_encrypted = encrypt_pii(fetched.token)
        row.expires_at = at + timedelta(seconds=fetched.expires_in) - REFRESH_MARGIN
        row.fetched_at = at
        row.fetch_count += 1
        row.save()
        return fetched.token


def invalidate_token(corp_id: str, app: str, token: str) -> None:
    """Forget ``token`` if it is still the cached one (WeCom said it is invalid)."""
    for row in AccessToken.objects.filter(corp_id=corp_id, app=app, expires_at__isnull=False):
        if row.token_encrypted and decrypt_pii(row.token_encrypted) == token:
            AccessToken.objects.filter(pk=row.pk, token_encrypted=row.token_encrypted).update(
                expires_at=None
            )
