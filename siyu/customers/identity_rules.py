"""Identifier types: how each is normalised, how much it is trusted, how many of it one
person may have, and which values are junk.

Priority orders trust: an identifier is judged *shared* (a store's phone, a family iPad)
when it has been seen beside more distinct values of a higher-priority type than one person
can hold (see ``cap``). Shared identifiers are kept for review but never join profiles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from siyu.core.pii import blind_index, older_indexes


@dataclass(frozen=True)
class IdentityInput:
    type: str
    value: str
    namespace: str = ""


@dataclass(frozen=True)
class TypeRule:
    priority: int
    cap: int  # distinct values one person may hold per (type, namespace)
    pii: bool = False
    needs_namespace: bool = False


RULES: dict[str, TypeRule] = {
    "wechat_unionid": TypeRule(priority=100, cap=1),
    "wecom_external_userid": TypeRule(priority=95, cap=1, needs_namespace=True),
    "app_user_id": TypeRule(priority=90, cap=1),
    "miniprogram_openid": TypeRule(priority=85, cap=1, needs_namespace=True),
    "wechat_openid": TypeRule(priority=85, cap=1, needs_namespace=True),
    "store_member_no": TypeRule(priority=70, cap=1),
    "taobao_buyer_id": TypeRule(priority=60, cap=3),
    "jd_pin": TypeRule(priority=60, cap=3),
    "phone": TypeRule(priority=50, cap=2, pii=True),
    "email": TypeRule(priority=40, cap=3, pii=True),
}
CUSTOM_RULE = TypeRule(priority=20, cap=5)
CUSTOM_TYPE = re.compile(r"^x_[a-z0-9_]{1,38}$")

# Values integrations send when they have nothing (PostHog, Segment and our own WeCom logs
# all show these): they must never link two people.
JUNK_VALUES = frozenset(
    {
        "",
        "null",
        "none",
        "nil",
        "undefined",
        "nan",
        "anonymous",
        "guest",
        "unknown",
        "test",
        "-1",
        "0",
        "n/a",
        "na",
        "[object object]",
        "true",
        "false",
        "id",
    }
)
TEST_PHONES = frozenset({"13800138000", "13888888888", "13900000000", "12345678901"})
PHONE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_NOISE = re.compile(r"[\s\-()]")


def rule_for(identity_type: str) -> TypeRule:
    rule = RULES.get(identity_type)
    if rule is not None:
        return rule
    if CUSTOM_TYPE.match(identity_type):
        return CUSTOM_RULE
    raise ValueError(f"unknown identity type {identity_type!r}")


def normalize_value(identity_type: str, value: str) -> str:
    value = value.strip()
    if identity_type == "phone":
        digits = PHONE_NOISE.sub("", value)
        if digits.startswith("+86"):
            digits = digits[3:]
        elif digits.startswith("0086"):
            digits = digits[4:]
        return digits
    if identity_type == "email":
        return value.lower()
    return value


def validate_identity(item: IdentityInput) -> str | None:
    """A message for malformed input (bad type, bad phone), None when acceptable.

    Junk placeholders are not errors: they are accepted and ignored.
    """
    return _judged(item)[0]


def _judged(item: IdentityInput) -> tuple[str | None, TypeRule | None, str, bool]:
    """The message of ``validate_identity``, the type's rule, the normalised value and
    whether an acceptable value is a placeholder, from one normalisation and one junk
    test (imports check millions of identifiers)."""
    try:
        rule = rule_for(item.type)
    except ValueError as exc:
        return str(exc), None, "", False
    if rule.needs_namespace and not item.namespace.strip():
        message = _("%(type)s needs a namespace (corp id or appid)") % {"type": item.type}
        return message, rule, "", False
    value = normalize_value(item.type, item.value)
    if len(value) > 128:
        return _("value longer than 128 characters"), rule, value, False
    if is_junk(item.type, value):
        return None, rule, value, True
    if item.type == "phone" and not PHONE.match(value):
        message = _("not a mainland mobile number: %(value)s") % {"value": mask_for_error(value)}
        return message, rule, value, False
    if item.type == "email" and not EMAIL.match(value):
        return _("not an email address"), rule, value, False
    return None, rule, value, False


def checked_identity(item: IdentityInput) -> tuple[str | None, TypeRule | None, str]:
    """(``validate_identity``'s message, the type's rule, the normalised value)."""
    message, rule, value, _junk = _judged(item)
    return message, rule, value


def is_usable(item: IdentityInput) -> bool:
    """Whether ``stored_key`` would store the input (valid, not a placeholder)."""
    message, rule, _value, junk = _judged(item)
    return message is None and rule is not None and not junk


def mask_for_error(value: str) -> str:
    return value[:3] + "…" if len(value) > 3 else "…"


def is_junk(identity_type: str, normalized: str) -> bool:
    if normalized.lower() in JUNK_VALUES:
        return True
    if identity_type == "phone":
        # One distinct character (0000…, 1111…) or none at all.
        return normalized in TEST_PHONES or len(set(normalized)) <= 1
    return False


@dataclass(frozen=True)
class StoredKey:
    """What goes into the Identity row: the lookup value (blind index for PII) and extras."""

    type: str
    namespace: str
    value: str
    plaintext: str
    last4: str
    # During a PII key rotation: the blind indexes under the keys rotated away from, by
    # which rows not yet re-indexed are found (siyu/core/pii.py).
    older: tuple[str, ...] = ()

    @property
    def values(self) -> tuple[str, ...]:
        """Every stored form this identifier may have right now."""
        return (self.value, *self.older)


def stored_key(item: IdentityInput) -> StoredKey | None:
    """Normalise an input to its stored form; None for junk or malformed values."""
    message, rule, value, junk = _judged(item)
    if message is not None or rule is None or junk:
        return None
    namespace = item.namespace.strip()
    if rule.pii:
        last4 = value[-4:] if item.type == "phone" else ""
        index, older = blind_index(item.type, value), older_indexes(item.type, value)
        return _key(item.type, namespace, index, value, last4, older)
    return _key(item.type, namespace, value, "", "", ())


_new = object.__new__


def _key(kind: str, namespace: str, value: str, plain: str, last4: str, older: tuple[str, ...]) -> StoredKey:  # fmt: skip
    """``StoredKey(...)`` with its fields set directly: a frozen dataclass's ``__init__``
    sets each through ``object.__setattr__`` (0.65 against 0.2 us; an import makes one
    per identifier of its file). The same object: equality, hash and repr read fields."""
    key = _new(StoredKey)
    key.__dict__.update(
        type=kind, namespace=namespace, value=value, plaintext=plain, last4=last4, older=older
    )
    return key
