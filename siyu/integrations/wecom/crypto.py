"""WeCom callback crypto (the protocol of Tencent's WXBizMsgCrypt samples).

- ``msg_signature = sha1("".join(sorted([token, timestamp, nonce, encrypted])))``
- EncodingAESKey is 43 characters of base64 without its trailing "=" → a 32-byte AES key;
  the IV is the key's first 16 bytes (fixed IV: WeCom's design, not ours to change).
- AES-256-CBC, PKCS#7 padded to a multiple of **32** bytes (WeCom's block size, not AES's 16).
- plaintext = 16 random bytes + 4-byte big-endian length + msg + receiveid (the corp id for a
  self-built app, the suite id for third-party instruction callbacks).

XML is parsed with expat directly and any DOCTYPE or entity declaration is refused, so
billion-laughs and external-entity payloads never expand (the standard library does not
forbid them by itself).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NoReturn
from xml.parsers import expat

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

WECOM_BLOCK = 32
MAX_XML_BYTES = 256 * 1024

XmlValue = str | list[Any] | dict[str, Any]


class CallbackCryptoError(ValueError):
    """Input that must be refused; ``reason`` is a short code for logs and tests."""

    reason = "invalid"


class SignatureError(CallbackCryptoError):
    reason = "bad_signature"


class DecryptError(CallbackCryptoError):
    reason = "bad_ciphertext"


class ReceiveIdError(CallbackCryptoError):
    reason = "wrong_corp_id"


class XmlError(CallbackCryptoError):
    reason = "bad_xml"


@dataclass(frozen=True)
class Encrypted:
    encrypted: str
    signature: str


@dataclass(frozen=True)
class Envelope:
    to_user_name: str
    encrypt: str
    agent_id: str


@dataclass(frozen=True)
class SealedCallback:
    """Everything an HTTP POST of one callback needs (query parameters and body)."""

    msg_signature: str
    timestamp: str
    nonce: str
    body: str

    def query(self) -> dict[str, str]:
        return {
            "msg_signature": self.msg_signature,
            "timestamp": self.timestamp,
            "nonce": self.nonce,
        }


def aes_key(encoding_aes_key: str) -> bytes:
    if len(encoding_aes_key) != 43:
        raise ValueError("EncodingAESKey must be 43 characters")
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except binascii.Error as exc:
        raise ValueError("EncodingAESKey is not base64") from exc
    if len(key) != 32:
        raise ValueError("EncodingAESKey must decode to 32 bytes")
    return key


def compute_signature(token: str, timestamp: str, nonce: str, encrypted: str) -> str:
    joined = "".join(sorted([token, timestamp, nonce, encrypted]))
    # SHA-1 is what the protocol specifies; it authenticates, it does not store secrets.
    return hashlib.sha1(joined.encode(), usedforsecurity=False).hexdigest()


def verify_signature(
    token: str, timestamp: str, nonce: str, encrypted: str, signature: str
) -> bool:
    expected = compute_signature(token, timestamp, nonce, encrypted)
    return hmac.compare_digest(expected, signature.lower())


@lru_cache(maxsize=16)
def _cipher(encoding_aes_key: str) -> Cipher[modes.CBC]:
    """One Cipher per key (building it costs more than a callback's decryption); each
    message still gets its own encryptor/decryptor context."""
    key = aes_key(encoding_aes_key)
    return Cipher(algorithms.AES(key), modes.CBC(key[:16]))


def encrypt(
    msg: str | bytes,
    *,
    token: str,
    encoding_aes_key: str,
    receive_id: str,
    timestamp: str,
    nonce: str,
    random_prefix: bytes | None = None,
) -> Encrypted:
    """Encrypt and sign like WeCom does (used by tests, the simulator and benchmarks)."""
    body = msg.encode() if isinstance(msg, str) else msg
    prefix = random_prefix if random_prefix is not None else secrets.token_bytes(16)
    if len(prefix) != 16:
        raise ValueError("random prefix must be 16 bytes")
    plain = prefix + struct.pack(">I", len(body)) + body + receive_id.encode()
    pad = WECOM_BLOCK - len(plain) % WECOM_BLOCK
    plain += bytes([pad]) * pad
    encryptor = _cipher(encoding_aes_key).encryptor()
    cipher_text = encryptor.update(plain) + encryptor.finalize()
    encrypted = base64.b64encode(cipher_text).decode()
    return Encrypted(encrypted, compute_signature(token, timestamp, nonce, encrypted))


def decrypt(encrypted: str, *, encoding_aes_key: str, receive_id: str) -> bytes:
    """Return the message bytes; raise unless it decrypts cleanly and names our corp."""
    try:
        cipher_text = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise DecryptError("ciphertext is not base64") from exc
    if not cipher_text or len(cipher_text) % 16:
        raise DecryptError("ciphertext length is not a multiple of the AES block")
    decryptor = _cipher(encoding_aes_key).decryptor()
    plain = decryptor.update(cipher_text) + decryptor.finalize()
    pad = plain[-1]
    # WeCom pads to 32; the official samples skip this check, we refuse garbage instead.
    if not 1 <= pad <= WECOM_BLOCK or plain[-pad:] != bytes([pad]) * pad:
        raise DecryptError("bad PKCS#7 padding")
    content = plain[16:-pad]
    if len(content) < 4:
        raise DecryptError("plaintext too short")
    (length,) = struct.unpack(">I", content[:4])
    if length > len(content) - 4:
        raise DecryptError("declared length exceeds plaintext")
    msg, got_id = content[4 : 4 + length], content[4 + length :]
    if not hmac.compare_digest(got_id, receive_id.encode()):
        raise ReceiveIdError("receive id does not match this corp")
    return msg


def build_envelope(to_user_name: str, encrypted: str, agent_id: str = "") -> str:
    agent = f"<AgentID><![CDATA[{agent_id}]]></AgentID>" if agent_id else ""
    return (
        f"<xml><ToUserName><![CDATA[{to_user_name}]]></ToUserName>"
        f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>{agent}</xml>"
    )


def seal(
    event_xml: str,
    *,
    token: str,
    encoding_aes_key: str,
    corp_id: str,
    timestamp: str,
    nonce: str,
    agent_id: str = "",
) -> SealedCallback:
    """Encrypt, sign and wrap one event the way WeCom POSTs it to a callback URL."""
    sealed = encrypt(
        event_xml,
        token=token,
        encoding_aes_key=encoding_aes_key,
        receive_id=corp_id,
        timestamp=timestamp,
        nonce=nonce,
    )
    body = build_envelope(corp_id, sealed.encrypted, agent_id)
    return SealedCallback(sealed.signature, timestamp, nonce, body)


def parse_envelope(body: bytes) -> Envelope:
    tree = parse_xml(body)
    encrypted = tree.get("Encrypt")
    if not isinstance(encrypted, str) or not encrypted:
        raise XmlError("envelope has no Encrypt element")
    to_user = tree.get("ToUserName", "")
    agent = tree.get("AgentID", "")
    return Envelope(
        to_user if isinstance(to_user, str) else "",
        encrypted,
        agent if isinstance(agent, str) else "",
    )


def _forbid(*_args: object) -> NoReturn:
    raise XmlError("DTDs and entities are not accepted")


class _TreeBuilder:
    """Elements become dict entries; a tag seen twice becomes a list; leaves are text."""

    def __init__(self) -> None:
        self.stack: list[tuple[str, dict[str, Any], list[str]]] = [("", {}, [])]

    def start(self, tag: str, _attrs: dict[str, str]) -> None:
        self.stack.append((tag, {}, []))

    def end(self, _tag: str) -> None:
        tag, children, text = self.stack.pop()
        value: XmlValue = children if children else "".join(text)
        parent = self.stack[-1][1]
        if tag not in parent:
            parent[tag] = value
        elif isinstance(parent[tag], list):
            parent[tag].append(value)
        else:
            parent[tag] = [parent[tag], value]

    def data(self, text: str) -> None:
        self.stack[-1][2].append(text)


def parse_xml(data: bytes) -> dict[str, Any]:
    """Parse WeCom XML (envelope or event) into a dict of the root's children."""
    if len(data) > MAX_XML_BYTES:
        raise XmlError("XML too large")
    builder = _TreeBuilder()
    parser = expat.ParserCreate()
    parser.buffer_text = True  # one call per text node, not one per chunk expat splits it into
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise XmlError(f"malformed XML: {exc}") from exc
    roots = builder.stack[0][1]
    if len(roots) != 1:
        raise XmlError("no root element")
    root = next(iter(roots.values()))
    if not isinstance(root, dict):
        raise XmlError("root element has no children")
    return root


def decrypt_event(
    envelope_body: bytes,
    *,
    token: str,
    encoding_aes_key: str,
    corp_id: str,
    msg_signature: str,
    timestamp: str,
    nonce: str,
) -> tuple[bytes, dict[str, Any]]:
    """Verify, decrypt and parse one POSTed callback; returns (plaintext XML, parsed dict)."""
    envelope = parse_envelope(envelope_body)
    if not verify_signature(token, timestamp, nonce, envelope.encrypt, msg_signature):
        raise SignatureError("msg_signature does not match")
    plain = decrypt(envelope.encrypt, encoding_aes_key=encoding_aes_key, receive_id=corp_id)
    return plain, parse_xml(plain)
