"""Personal data at rest: AES-256-GCM ciphertext, a keyed HMAC blind index for exact
lookups, and masking for display and logs.

Ciphertext layout: b"v2" + 4-byte key id + 12-byte nonce + AES-GCM(ciphertext || tag),
base64 text so it fits a TextField on every database (b"v1" + nonce + sealed, without a key
id, is still read). Two keys are derived from SIYU_PII_KEY so the blind index cannot be
used to decrypt and vice versa.

Rotation (``manage.py rotate_pii_key``): SIYU_PII_KEY becomes the new key and the old one
moves to SIYU_PII_OLD_KEYS. Every process then decrypts under both and looks identifiers
up under both blind indexes (``older_indexes``), while the command re-encrypts and
re-indexes row by row; once it reports nothing left, the old key may go.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass, field
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_V1 = b"v1"  # before key rotation: no key id, the one key
_V2 = b"v2"  # b"v2" + 4-byte key id + nonce + sealed


@dataclass(frozen=True)
class _Key:
    kid: bytes
    enc: bytes
    idx: bytes
    # Built once per key: building an AESGCM per call was most of an encryption's cost
    # (3.8 -> 1.4 us; an import encrypts every new phone).
    cipher: AESGCM = field(compare=False, repr=False)
    # HMAC's inner and outer SHA-256 states after the padded key, copied per index:
    # ``hmac.new`` redoes them (and builds its object in Python) every call, 1.7 against
    # 0.6 us, and an import indexes every phone of its file.
    inner: hashlib._Hash = field(compare=False, repr=False)
    outer: hashlib._Hash = field(compare=False, repr=False)


def _derive(master_b64: str) -> _Key:
    master = base64.urlsafe_b64decode(master_b64)
    enc = hmac.new(master, b"siyu-pii-encryption", hashlib.sha256).digest()
    idx = hmac.new(master, b"siyu-pii-blind-index", hashlib.sha256).digest()
    kid = hmac.new(master, b"siyu-pii-key-id", hashlib.sha256).digest()[:4]
    return _Key(kid, enc, idx, AESGCM(enc), *_pads(idx))


def _pads(key: bytes) -> tuple[hashlib._Hash, hashlib._Hash]:
    """RFC 2104's two hashes after ``key`` padded to the block (the key is 32 bytes, no
    longer than SHA-256's 64-byte block, so it is not hashed first)."""
    block = key.ljust(64, b"\0")
    return (
        hashlib.sha256(bytes(b ^ 0x36 for b in block)),
        hashlib.sha256(bytes(b ^ 0x5C for b in block)),
    )


@cache
def _ring() -> tuple[_Key, ...]:
    """The current key first, then the keys being rotated away from
    (``SIYU_PII_OLD_KEYS``): all decrypt, only the current one encrypts."""
    old = getattr(settings, "PII_OLD_KEYS", ())
    return tuple(_derive(k) for k in (settings.PII_KEY, *old))


def reset_keys() -> None:
    """Forget the derived keys (tests and the rotation command change the settings)."""
    _ring.cache_clear()


def current_prefix() -> str:
    """How every ciphertext under the current key starts (base64 of version and key id)."""
    return base64.urlsafe_b64encode(_V2 + _ring()[0].kid).decode()


def encrypt_pii(plaintext: str) -> str:
    if plaintext == "":
        return ""
    key = _ring()[0]
    nonce = os.urandom(12)
    sealed = key.cipher.encrypt(nonce, plaintext.encode(), _V2 + key.kid)
    return base64.urlsafe_b64encode(_V2 + key.kid + nonce + sealed).decode()


def decrypt_pii(token: str) -> str:
    if token == "":
        return ""
    raw = base64.urlsafe_b64decode(token)
    if raw[:2] == _V2:
        kid = raw[2:6]
        for key in _ring():
            if key.kid == kid:
                return key.cipher.decrypt(raw[6:18], raw[18:], _V2 + kid).decode()
        raise ValueError("PII ciphertext under a key that is not configured")
    if raw[:2] != _V1:
        raise ValueError("unknown PII ciphertext version")
    for key in _ring():  # v1 names no key: the tag tells which one sealed it
        try:
            return key.cipher.decrypt(raw[2:14], raw[14:], _V1).decode()
        except InvalidTag:
            continue
    raise ValueError("PII ciphertext under a key that is not configured")


def _index(key: _Key, kind: str, normalized_value: str) -> str:
    inner = key.inner.copy()
    inner.update(f"{kind}\x00{normalized_value}".encode())
    outer = key.outer.copy()
    outer.update(inner.digest())
    return outer.hexdigest()


def blind_index(kind: str, normalized_value: str) -> str:
    """Deterministic keyed hash: equal inputs give equal output, without revealing them."""
    return _index(_ring()[0], kind, normalized_value)


def older_indexes(kind: str, normalized_value: str) -> tuple[str, ...]:
    """The same value's blind index under each key being rotated away from: rows not yet
    re-indexed are still found by these (empty outside a rotation)."""
    return tuple(_index(k, kind, normalized_value) for k in _ring()[1:])


def mask_phone(phone: str) -> str:
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else mask_name(email)


def mask_text(text: str) -> str:
    return (text[:2] + "****") if text else ""
