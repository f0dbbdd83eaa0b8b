"""Assembles every app's ``api.py`` router into one OpenAPI document at /api/docs.

Every endpoint needs an integration API key with the scope it names
(``auth=key_auth(Scope.X)``); the default auth refuses every key, so a new endpoint that
forgets to name its scope is closed, not open. Errors are JSON with a ``detail`` message;
input errors also list ``errors`` as ``{index, field, message}``, the same shape the batch
endpoints use for their items.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from siyu.access.auth import UNAUTHORIZED_MESSAGE, RateLimited, ScopeDenied, unscoped_auth
from siyu.campaigns.api import router as campaigns_router
from siyu.community.api import router as community_router
from siyu.customers.api import router as customers_router
from siyu.integrations.wechat.api import router as wechat_router
from siyu.loyalty.api import router as loyalty_router
from siyu.privacy.api import router as privacy_router
from siyu.referrals.api import router as referrals_router
from siyu.segments.api import router as segments_router

api = NinjaAPI(
    title="Siyu API",
    version="1",
    urls_namespace="api",
    auth=unscoped_auth,
    description=(
        "Integration API. Authenticate with `Authorization: Bearer <key>` or "
        "`X-API-Key: <key>` (create keys with `manage.py api_key create <name> <scope>…`). "
        "Each operation needs one scope: `ingest:profiles`, `ingest:events`, "
        "`ingest:orders`, `customers:lookup`, `segments:read` or `miniprogram`; a key "
        "without it gets 403. Each key has a per-minute request budget; past it, 429 with "
        "`Retry-After`. Money is integer fen; times are ISO 8601 with a UTC offset."
    ),
)
api.add_router("/", customers_router)
api.add_router("/", segments_router)
api.add_router("/", wechat_router)
api.add_router("/", privacy_router)
api.add_router("/", loyalty_router)
api.add_router("/", campaigns_router)
api.add_router("/", referrals_router)
api.add_router("/", community_router)


@api.exception_handler(AuthenticationError)
def unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = api.create_response(request, {"detail": UNAUTHORIZED_MESSAGE}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="siyu"'
    return response


@api.exception_handler(ScopeDenied)
def forbidden(request: HttpRequest, exc: ScopeDenied) -> HttpResponse:
    return api.create_response(request, {"detail": exc.message}, status=403)


@api.exception_handler(RateLimited)
def rate_limited(request: HttpRequest, exc: RateLimited) -> HttpResponse:
    response = api.create_response(request, {"detail": exc.message}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


def _field_path(loc: list[Any]) -> str:
    # ninja prefixes where the value came from and, for a body, the handler's parameter
    # name ("body", "body", "items"); callers know their JSON fields, not our parameters.
    parts = [str(p) for p in loc]
    if parts[:1] == ["body"]:
        parts = parts[2:]
    elif parts:
        parts = parts[1:]
    return ".".join(parts)


@api.exception_handler(ValidationError)
def invalid_request(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {"index": -1, "field": _field_path(e.get("loc", [])), "message": e.get("msg", "")}
        for e in exc.errors
    ]
    return api.create_response(
        request, {"detail": "invalid request", "rejected": [], "errors": errors}, status=422
    )


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    detail = f"request body larger than {limit} bytes; send fewer items per batch"
    return api.create_response(request, {"detail": detail}, status=413)


@api.exception_handler(OperationalError)
def busy(request: HttpRequest, exc: OperationalError) -> HttpResponse:
    # Lock timeouts and deadlocks that outlived the retries: nothing was written (each
    # batch is one transaction), so the caller can simply send it again.
    response = api.create_response(
        request, {"detail": "database busy; nothing was written, retry shortly"}, status=503
    )
    response["Retry-After"] = "5"
    return response
