"""Import problems in the user's language.

The batch schemas and checks are shared with the HTTP API, whose messages are English for
programmers. A person reading an import report gets each problem translated, naming what
is allowed, and never pydantic's own wording: errors are translated from pydantic's error
*type* and context, and the checks' messages from their known forms.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from pydantic_core import ErrorDetails

from siyu.customers.models import Gender, LifecycleStage, Platform, SpendingPower

CHOICES: dict[str, Any] = {
    "gender": Gender,
    "lifecycle_stage": LifecycleStage,
    "spending_power": SpendingPower,
    "platform": Platform,
}


def _allowed(leaf: str) -> str:
    choices = CHOICES.get(leaf)
    if choices is None:
        return ""
    return ", ".join(f"{value} ({label})" for value, label in choices.choices)


def _too_long(ctx: dict[str, Any], leaf: str) -> str:
    if leaf in {"lines", "refunds", "identities", "interests"}:
        return _("at most %(limit)s entries are allowed") % {"limit": ctx.get("max_length")}
    return _("too long: at most %(limit)s characters") % {"limit": ctx.get("max_length")}


def _choice(ctx: dict[str, Any], leaf: str) -> str:
    return _("not an allowed value; allowed: %(allowed)s") % {
        "allowed": _allowed(leaf) or ctx.get("expected", "")
    }


def _number_bound(ctx: dict[str, Any], leaf: str) -> str:
    if "gt" in ctx and ctx["gt"] == 0:
        return _("must be greater than zero")
    if "ge" in ctx and ctx["ge"] == 0:
        return _("must not be negative")
    return _("the value is out of the allowed range")


PYDANTIC: dict[str, Callable[[dict[str, Any], str], str]] = {
    "missing": lambda ctx, leaf: _("this column is required"),
    "extra_forbidden": lambda ctx, leaf: _("this column is not accepted here"),
    "string_too_long": _too_long,
    "too_long": _too_long,
    "string_too_short": lambda ctx, leaf: _("must not be empty"),
    "too_short": lambda ctx, leaf: _("must not be empty"),
    "enum": _choice,
    "literal_error": _choice,
    "greater_than": _number_bound,
    "greater_than_equal": _number_bound,
    "less_than_equal": lambda ctx, leaf: _("the value is too large"),
    "less_than": lambda ctx, leaf: _("the value is too large"),
    "int_parsing": lambda ctx, leaf: _("not a whole number"),
    "int_type": lambda ctx, leaf: _("not a whole number"),
    "date_parsing": lambda ctx, leaf: _("not a date (use 1995-04-12)"),
    "date_from_datetime_parsing": lambda ctx, leaf: _("not a date (use 1995-04-12)"),
    "datetime_parsing": lambda ctx, leaf: _("not a date and time (use 2025-03-01 14:30)"),
    "datetime_from_date_parsing": lambda ctx, leaf: _("not a date and time (use 2025-03-01 14:30)"),
    "timezone_aware": lambda ctx, leaf: _("not a date and time (use 2025-03-01 14:30)"),
}

KNOWN: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (
        re.compile(r"not a mainland mobile number: (?P<v>.*)"),
        lambda m: (
            _("not a mainland mobile number (11 digits, starting with 1): %(value)s")
            % {"value": m["v"]}
        ),
    ),
    (re.compile(r"not an email address"), lambda m: _("not an email address")),
    (
        re.compile(r"value longer than (?P<n>\d+) characters"),
        lambda m: _("too long: at most %(limit)s characters") % {"limit": m["n"]},
    ),
    (
        re.compile(r"unknown identity type '(?P<t>.*)'"),
        lambda m: _("unknown identifier type %(type)s") % {"type": m["t"]},
    ),
    (
        re.compile(r"(?P<t>\S+) needs a namespace.*"),
        lambda m: _("%(type)s needs a namespace (corp id or appid)") % {"type": m["t"]},
    ),
    (
        re.compile(r"no usable identifier.*"),
        lambda m: _(
            "no usable identifier: the values are empty, placeholders, or shared by several people"
        ),
    ),
    (
        re.compile(r"must not exceed total_fen"),
        lambda m: _("paid_amount must not exceed total_amount"),
    ),
    (
        re.compile(r"add up to (?P<fen>\d+) fen, more than paid_fen"),
        lambda m: (
            _("the refunds add up to %(yuan)s yuan, more than paid_amount")
            % {"yuan": yuan(int(m["fen"]))}
        ),
    ),
    (
        re.compile(r".*refunds (would )?exceed the paid amount"),
        lambda m: _("the refunds would add up to more than paid_amount"),
    ),
    (
        re.compile(r"appears twice in this order|a refund number appears twice.*"),
        lambda m: _("a refund number appears twice in this order"),
    ),
    (
        re.compile(r"must be between 2000-01-01 and 2100-01-01"),
        lambda m: _("must be between 2000-01-01 and 2100-01-01"),
    ),
    (
        re.compile(r"must not contain NUL characters|must be valid Unicode text"),
        lambda m: _("contains characters that are not text"),
    ),
    (
        re.compile(r"rejected by the database.*"),
        lambda m: _("the database refused this row; the server log has the details"),
    ),
]


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def from_pydantic(error: ErrorDetails) -> str:
    loc = [str(p) for p in error["loc"]]
    leaf = next((p for p in reversed(loc) if not p.isdigit()), "")
    translate = PYDANTIC.get(error["type"])
    if translate is not None:
        return translate(dict(error.get("ctx") or {}), leaf)
    if error["type"] == "value_error":
        return from_check(str(error["msg"]).removeprefix("Value error, "))
    return _("this value is not accepted")


def from_check(message: str) -> str:
    """A message of the shared checks or verbs, translated."""
    for pattern, translate in KNOWN:
        match = pattern.fullmatch(message)
        if match:
            return translate(match)
    return _("this value is not accepted")
