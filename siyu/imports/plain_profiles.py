"""Customer rows checked without a pydantic validation each.

Validating every row with ``ProfileItem`` and then its identifier rules was a sixth of a
customer import's time, for rows that are nearly always plain: short stripped text, a
gender or stage from its list, identifiers that normalise to a stored key. A row is
accepted here only when it plainly satisfies every constraint of the schema and every
rule of ``profile_problems`` (lengths, no NUL, encodable text, known choices, each
identifier usable) and is then built as that model without running its validator. Any
other row (and every column not handled here, like ``first_seen_at``) goes to pydantic
and the rules as before, so every message stays exactly the one they give.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from siyu.customers.batch_schemas import IdentityItem, ProfileItem
from siyu.customers.models import Gender, LifecycleStage, SpendingPower
from siyu.imports.bulk_identities import key_of_parts
from siyu.imports.packing import built

# Text fields and their max_length in ``ProfileItem``.
TEXT_LIMITS = {
    "display_name": 100,
    "real_name": 100,
    "phone": 32,
    "email": 254,
    "address": 500,
    "region": 100,
    "occupation": 100,
    "org_unit": 100,
    "primary_owner": 150,
}
CHOICES: dict[str, dict[str, Any]] = {
    "gender": {m.value: m for m in Gender},
    "spending_power": {m.value: m for m in SpendingPower},
    "lifecycle_stage": {m.value: m for m in LifecycleStage},
}
PLAIN_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_IDENTITIES = 50
MAX_INTERESTS = 50
IDENTITY_KEYS = frozenset({"type", "value"})
IDENTITY_GIVEN = set(IDENTITY_KEYS)  # copied: each model's own set of given fields
IDENTIFIER_FIELDS = frozenset({"phone", "email"})
_DEFAULTS = {name: field.default for name, field in ProfileItem.model_fields.items()}
_REFUSED = object()  # a cell this module does not accept as it stands


def _text(value: Any, low: int, high: int) -> bool:
    # Stripped by Python's rule, which strips everything pydantic's does (and more).
    if type(value) is not str or not low <= len(value) <= high or value.strip() != value:
        return False
    if "\x00" in value:
        return False
    if value.isascii():
        return True
    try:
        value.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


# The identifier types found plain so far (a file has a handful: its column names).
_plain_kinds: set[str] = set()


def _identities(raw: Any) -> list[IdentityItem] | None:
    if type(raw) is not list or not 1 <= len(raw) <= MAX_IDENTITIES:
        return None
    found = []
    for identity in raw:
        if type(identity) is not dict or identity.keys() != IDENTITY_KEYS:
            return None
        kind, value = identity["type"], identity["value"]
        if kind not in _plain_kinds:
            if not _text(kind, 1, 40):
                return None
            _plain_kinds.add(kind)
        # A stored key means valid and usable: ``identity_problems`` finds nothing.
        if not _text(value, 1, 256) or key_of_parts(kind, value) is None:
            return None
        found.append(built(IdentityItem, {"type": kind, "value": value, "namespace": ""}, IDENTITY_GIVEN.copy()))  # fmt: skip
    return found


def _value(name: str, value: Any) -> Any:
    """The model's value for a plainly valid cell, else ``_REFUSED``."""
    limit = TEXT_LIMITS.get(name)
    if limit is not None:
        if not _text(value, 0, limit):
            return _REFUSED
        # phone and email become identifiers: the rules of ``profile_problems``.
        if name in IDENTIFIER_FIELDS and value and key_of_parts(name, value) is None:
            return _REFUSED
        return value
    choices = CHOICES.get(name)
    if choices is not None:
        return choices.get(value, _REFUSED) if type(value) is str else _REFUSED
    if name == "interests":
        plain = (
            type(value) is list
            and len(value) <= MAX_INTERESTS
            and all(_text(v, 1, 50) for v in value)
        )
        return list(value) if plain else _REFUSED
    if name == "birthday" and type(value) is str and PLAIN_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return _REFUSED
    return _REFUSED


def plain_profile(raw: dict[str, Any]) -> ProfileItem | None:
    """The row as a ``ProfileItem`` that passes ``profile_problems`` when it plainly does,
    else None (the row goes to pydantic and the rules)."""
    identities = _identities(raw.get("identities"))
    if identities is None:
        return None
    values = _DEFAULTS.copy()
    for name, value in raw.items():
        found = _value(name, value) if name != "identities" else identities
        if found is _REFUSED:
            return None
        values[name] = found
    values["identities"] = identities
    return built(ProfileItem, values, set(raw))
