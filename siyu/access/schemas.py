"""Error bodies the whole API shares, each published once under its own name, and the
statuses every API-key operation can answer besides its own."""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema


class DetailOut(Schema):
    detail: str = Field(..., description="What went wrong, for the integrator to read.")


class FieldErrorOut(Schema):
    index: int = Field(..., description="Item position in the batch; -1 for the whole request.")
    field: str = Field(..., description='Dotted path inside the item, e.g. "lines.0.paid_fen".')
    message: str


class InvalidOut(Schema):
    """A request that was understood but refused; nothing was written."""

    detail: str
    rejected: list[int] = Field(..., description="Indexes of the refused batch items.")
    errors: list[FieldErrorOut]


# 401 unknown key · 403 key lacks the scope · 429 over the key's per-minute budget (with
# Retry-After) · 422 a parameter or body field out of bounds · 503 database busy, retry.
KEY_ERRORS: dict[int, Any] = {
    401: DetailOut,
    403: DetailOut,
    422: InvalidOut,
    429: DetailOut,
    503: DetailOut,
}
# Operations with a JSON body also answer 400 (not JSON at all) and 413 (too large).
BODY_ERRORS: dict[int, Any] = {400: DetailOut, 413: DetailOut}


def responses(ok: dict[int, Any], *, body: bool = False) -> dict[int, Any]:
    """An operation's documented responses: its own plus the shared error statuses."""
    return {**KEY_ERRORS, **(BODY_ERRORS if body else {}), **ok}
