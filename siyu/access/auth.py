"""django-ninja authentication by API key, from ``Authorization: Bearer <key>`` or
``X-API-Key: <key>``. Both are accepted because some integration tools (POS vendors,
low-code ETL) can only set a custom header, others only a bearer token."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import APIKeyHeader, HttpBearer

from siyu.access.keys import check_api_key
from siyu.access.models import ApiKey

UNAUTHORIZED_MESSAGE = (
    "Missing, unknown or revoked API key. Send it as 'Authorization: Bearer <key>' "
    "or 'X-API-Key: <key>'; create one with `manage.py api_key create <name>`."
)


class BearerKeyAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return check_api_key(token.strip())


class HeaderKeyAuth(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> ApiKey | None:
        return check_api_key(key.strip() if key else None)


api_key_auth = [BearerKeyAuth(), HeaderKeyAuth()]
