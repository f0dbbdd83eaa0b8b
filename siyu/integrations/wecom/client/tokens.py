"""access_token per corp and app, shared by every process through the database.

WeCom asks clients to cache the token (~7,200 s) and not to call gettoken often: bad
callers get blocked for an hour. So the token lives in one row per (corp, app); a process
that finds it stale takes a refresh lease on the row (a conditional UPDATE only one caller
wins), fetches outside any transaction (rule: no network call inside one) and stores the
token; the others wait for it, so N parallel callers cause one gettoken. A lease whose
holder died runs out and is taken over. WeCom may revoke a token early (40014/42001):
``invalidate`` marks the row stale only if it still holds the rejected token, so a burst of
rejections refetches once.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from siyu.core.pii import decrypt_pii, encrypt_pii
from siyu.integrations.wecom.client.models import AccessToken

# Refresh this much before WeCom's expiry, so a token never dies mid-request.
REFRESH_MARGIN = timedelta(minutes=5)
# Longer than a gettoken call may take (10 s timeout): a live holder never loses its lease.
LEASE = timedelta(seconds=15)
WAIT_STEP_SECONDS = 0.05


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
    rows = AccessToken.objects.filter(corp_id=corp_id, app=app)
    token = _usable(rows.first(), now())
    if token is not None:
        return token
    # The row must exist before it can be leased; get_or_create survives the creation race.
    AccessToken.objects.get_or_create(corp_id=corp_id, app=app)
    while True:
        at = now()
        stale = Q(expires_at__isnull=True) | Q(expires_at__lte=at)
        free = Q(refreshing_until__isnull=True) | Q(refreshing_until__lte=at)
        if rows.filter(stale & free).update(refreshing_until=at + LEASE):
            return _refresh(rows, fetch, now)
        row = rows.first()
        token = _usable(row, now())
        if token is not None:
            return token  # another process refreshed while we waited for it
        time.sleep(WAIT_STEP_SECONDS)


def _refresh(
    rows: models.QuerySet[AccessToken],
    fetch: Callable[[], FetchedToken],
    now: Callable[[], datetime],
) -> str:
    try:
        fetched = fetch()
    except BaseException:
        rows.update(refreshing_until=None)  # the next caller tries at once
        raise
    at = now()
    rows.update(
        token_encrypted=encrypt_pii(fetched.token),
        expires_at=at + timedelta(seconds=fetched.expires_in) - REFRESH_MARGIN,
        fetched_at=at,
        fetch_count=F("fetch_count") + 1,
        refreshing_until=None,
        updated_at=at,
    )
    return fetched.token


def invalidate_token(corp_id: str, app: str, token: str) -> None:
    """Forget ``token`` if it is still the cached one (WeCom said it is invalid)."""
    for row in AccessToken.objects.filter(corp_id=corp_id, app=app, expires_at__isnull=False):
        if row.token_encrypted and decrypt_pii(row.token_encrypted) == token:
            AccessToken.objects.filter(pk=row.pk, token_encrypted=row.token_encrypted).update(
                expires_at=None
            )
