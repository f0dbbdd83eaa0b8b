"""django-ninja authentication by API key, from ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``. Both are accepted because some integration tools (POS vendors,
low-code ETL) can only set a custom header, others only a bearer token.

Every operation names the one scope it needs (``auth=key_auth(Scope.LOOKUP)``): a key
without it is refused with 403, a key over its per-minute budget with 429 and
``Retry-After``. The API's default auth (``unscoped_auth``) refuses every key, so an
operation that forgets to name its scope is closed, not open.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from siyu.access.keys import find_api_key
from siyu.access.models import ApiKey, Scope
from siyu.access.ratelimit import take_request

UNAUTHORIZED_MESSAGE = (
    "Missing, unknown or revoked API key. Send it as 'Authorization: Bearer <key>' "
    "or 'X-API-Key: <key>'; create one with `manage.py api_key create <name> <scope>…`."
)


class ScopeDenied(Exception):
    """The key is valid but was not granted the operation's scope (HTTP 403)."""

    def __init__(self, key: ApiKey, scope: str | None) -> None:
        if scope is None:
            message = "this operation declares no scope, so no key may call it"
        else:
            message = (
                f"the API key {key.name!r} lacks the scope {scope!r}; grant it with "
                f"`manage.py api_key scopes {key.name} <scope>…`"
            )
        super().__init__(message)
        self.message = message


class RateLimited(Exception):
    """The key used up its requests of this minute (HTTP 429 with Retry-After)."""

    def __init__(self, key: ApiKey, retry_after: int) -> None:
        self.message = (
            f"the API key {key.name!r} is limited to {key.rate_per_minute} requests per "
            f"minute; retry in {retry_after} s"
        )
        super().__init__(self.message)
        self.retry_after = retry_after


def authorize(raw_key: str | None, scope: str | None) -> ApiKey | None:
    """The key if it may make this call now; None for an unknown key (401)."""
    key = find_api_key(raw_key.strip() if raw_key else None)
    if key is None:
        return None
    if scope is None or not key.allows(scope):
        raise ScopeDenied(key, scope)
    wait = take_request(key, timezone.now())
    if wait is not None:
        raise RateLimited(key, wait)
    return key


class BearerKeyAuth(HttpBearer):
    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return authorize(token, self.scope)


class HeaderKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def __init__(self, scope: str | None) -> None:
        super().__init__()
        self.scope = scope

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return authorize(key, self.scope)


def key_auth(scope: Scope) -> list[BearerKeyAuth | HeaderKeyAuth]:
    """Auth for an operation that needs ``scope``."""
    return [BearerKeyAuth(scope.value), HeaderKeyAuth(scope.value)]


unscoped_auth = [BearerKeyAuth(None), HeaderKeyAuth(None)]


def calling_key(request: HttpRequest) -> ApiKey:
    """The key that authenticated this request (for audit records and sources)."""
    key = getattr(request, "auth", None)
    if not isinstance(key, ApiKey):
        raise TypeError("calling_key() outside an API-key authenticated operation")
    return key


def operation_scope(auth: object) -> str | None:
    """The scope an operation's auth requires (None if none): used by the API checks."""
    callbacks = auth if isinstance(auth, list | tuple) else [auth]
    scopes = {getattr(cb, "scope", None) for cb in callbacks}
    return scopes.pop() if len(scopes) == 1 else None
