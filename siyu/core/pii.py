"""Personal data at rest: AES-256-GCM ciphertext, a keyed HMAC blind index for exact
lookups, and masking for display and logs.

Ciphertext layout: b"v1" + 12-byte nonce + AES-GCM(ciphertext || tag), base64 text so it
fits a TextField on every database. Two keys are derived from SIYU_PII_KEY so the blind
index cannot be used to decrypt and vice versa.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

_VERSION = b"v1"


@cache
def _keys() -> tuple[bytes, bytes]:
    master = base64.urlsafe_b64decode(settings.PII_KEY)
    enc = hmac.new(master, b"siyu-pii-encryption", hashlib.sha256).digest()
    idx = hmac.new(master, b"siyu-pii-blind-index", hashlib.sha256).digest()
    return enc, idx


def encrypt_pii(plaintext: str) -> str:
    if plaintext == "":
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_keys()[0]).encrypt(nonce, plaintext.encode(), _VERSION)
    return base64.urlsafe_b64encode(_VERSION + nonce + sealed).decode()


def decrypt_pii(token: str) -> str:
    if token == "":
        return ""
    raw = base64.urlsafe_b64decode(token)
    if raw[:2] != _VERSION:
        raise ValueError("unknown PII ciphertext version")
    return AESGCM(_keys()[0]).decrypt(raw[2:14], raw[14:], _VERSION).decode()


def blind_index(kind: str, normalized_value: str) -> str:
    """Deterministic keyed hash: equal inputs give equal output, without revealing them."""
    msg = f"{kind}\x00{normalized_value}".encode()
    return hmac.new(_keys()[1], msg, hashlib.sha256).hexdigest()


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
