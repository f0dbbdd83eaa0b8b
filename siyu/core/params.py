"""The one parser for request parameters: ids, whole numbers, dates and money in 元.

Every console view and API handler reads its query and path parameters through these
functions, so a value the database cannot hold (an id past BigAutoField's range, a date in
year 10000, a price with three decimals) is refused here as ``BadParameter`` — a 400 with a
message in the user's language that names the parameter — instead of reaching the ORM and
becoming a 500 (SQLite raises OverflowError past 2**63 - 1, PostgreSQL a DataError).

The API uses the same bounds through the pydantic types at the bottom, so its input errors
name the parameter too (as the API's 422 ``errors[]``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from django.http import HttpResponse, HttpResponseBadRequest
from django.utils.translation import gettext as _
from pydantic import Field

MAX_ID = 2**63 - 1  # BigAutoField / PostgreSQL bigint / SQLite INTEGER
MAX_LENGTH = 40  # longer raw values are not numbers, ids or dates: refuse before parsing
MIN_DATE = date(2000, 1, 1)
MAX_DATE = date(2100, 12, 31)
MAX_YUAN_FEN = 10**12  # ten billion 元: more than any single figure a brand types
_WHOLE = re.compile(r"^[+-]?[0-9]+$")  # ASCII digits only: int() also takes "١٢"
_YUAN = re.compile(r"^(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]{1,2}))?$")

Params = Mapping[str, Any]


class BadParameter(ValueError):
    """A parameter the user can fix; ``str()`` is the translated message naming it."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _raw(params: Params, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise BadParameter(name, _("%(name)s is too long") % {"name": name})
    return text


def parse_int(
    params: Params,
    name: str,
    *,
    minimum: int = 0,
    maximum: int = MAX_ID,
    default: int | None = None,
) -> int | None:
    """A whole number within [minimum, maximum]; ``default`` when absent or empty."""
    text = _raw(params, name)
    if text is None:
        return default
    if not _WHOLE.match(text):
        raise BadParameter(name, _("%(name)s must be a whole number") % {"name": name})
    value = int(text)
    if not minimum <= value <= maximum:
        raise BadParameter(
            name,
            _("%(name)s must be between %(min)d and %(max)d")
            % {"name": name, "min": minimum, "max": maximum},
        )
    return value


def parse_id(params: Params, name: str) -> int | None:
    """A row id (1 … 2**63 - 1), or None when absent."""
    return parse_int(params, name, minimum=1)


def parse_after(params: Params, name: str = "after") -> int | None:
    """A keyset cursor: the last id of the previous page (0 … 2**63 - 1)."""
    return parse_int(params, name, minimum=0)


def parse_date(params: Params, name: str) -> date | None:
    """An ISO date (2026-03-01) between 2000 and 2100, or None when absent."""
    text = _raw(params, name)
    if text is None:
        return None
    try:
        value = date.fromisoformat(text)
    except ValueError:
        raise BadParameter(
            name, _("%(name)s must be a date like 2026-03-01") % {"name": name}
        ) from None
    if not MIN_DATE <= value <= MAX_DATE:
        raise BadParameter(
            name,
            _("%(name)s must be between %(min)s and %(max)s")
            % {"name": name, "min": MIN_DATE.isoformat(), "max": MAX_DATE.isoformat()},
        )
    return value


def parse_yuan(params: Params, name: str) -> int | None:
    """Money typed in 元 (``12``, ``12.5``, ``12.50``; no sign) as integer fen."""
    text = _raw(params, name)
    if text is None:
        return None
    match = _YUAN.match(text.replace(",", ""))
    if match is None:
        raise BadParameter(
            name, _("%(name)s must be an amount in yuan, like 12.50") % {"name": name}
        )
    fen = int(match["int"]) * 100 + int((match["frac"] or "0").ljust(2, "0"))
    if fen > MAX_YUAN_FEN:
        raise BadParameter(name, _("%(name)s is too large") % {"name": name})
    return fen


def parse_text(params: Params, name: str, *, max_length: int) -> str:
    """Free text (a search box): stripped, "" when absent, refused when too long."""
    text = str(params.get(name) or "").strip()
    if len(text) > max_length:
        raise BadParameter(
            name,
            _("%(name)s must be at most %(max)d characters") % {"name": name, "max": max_length},
        )
    if "\x00" in text:  # PostgreSQL refuses NUL in a query parameter
        raise BadParameter(name, _("%(name)s contains a NUL character") % {"name": name})
    return text


def bad_parameter_response(exc: BadParameter) -> HttpResponse:
    return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")


# The same bounds for django-ninja schemas (query and path parameters of the API).
ApiId = Annotated[int, Field(ge=1, le=MAX_ID)]
ApiAfter = Annotated[int, Field(ge=0, le=MAX_ID)]
