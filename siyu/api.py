"""Assembles every app's ``api.py`` router into one OpenAPI document at /api/docs."""

from __future__ import annotations

from ninja import NinjaAPI

api = NinjaAPI(title="Siyu API", version="1", urls_namespace="api")
