from __future__ import annotations

import base64

import pytest
from django.db import connection
from pytest_django.fixtures import Settings

from siyu.core.pii import blind_index, decrypt_pii, encrypt_pii, mask_phone, reset_keys
from siyu.customers.models import Customer
from siyu.demo.brand import Brand


def test_encrypt_round_trip_and_random_nonce() -> None:
    a, b = encrypt_pii("张敏"), encrypt_pii("张敏")
    assert a != b
    assert decrypt_pii(a) == decrypt_pii(b) == "张敏"


def test_blind_index_is_deterministic_and_keyed_by_kind() -> None:
    assert blind_index("phone", "13800138000") == blind_index("phone", "13800138000")
    assert blind_index("phone", "13800138000") != blind_index("email", "13800138000")
    assert "13800138000" not in blind_index("phone", "13800138000")


def test_mask_phone_shows_prefix_and_suffix_only() -> None:
    assert mask_phone("13800138000") == "138****8000"


@pytest.mark.django_db
def test_real_name_and_address_are_not_plaintext_in_the_database(brand: Brand) -> None:
    from django.utils import timezone

    c = Customer.objects.create(
        display_name="敏敏",
        real_name="张敏",
        address="上海市静安区南京西路1号",
        created_at=timezone.now(),
    )
    with connection.cursor() as cur:
        cur.execute("SELECT real_name, address FROM customers_customer WHERE id = %s", [c.pk])
        raw_name, raw_address = cur.fetchone()
    assert "张敏" not in raw_name
    assert "南京西路" not in raw_address
    c.refresh_from_db()
    assert c.real_name == "张敏"


def test_the_kept_cipher_follows_a_key_change(settings: Settings) -> None:
    """Ciphers are built once per key: after a key change they must be the new key's."""
    before = encrypt_pii("张敏")
    settings.PII_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()
    reset_keys()
    try:
        after = encrypt_pii("张敏")
        assert decrypt_pii(after) == "张敏"
        with pytest.raises(ValueError, match="not configured"):
            decrypt_pii(before)  # the old key is gone: its cipher is not kept either
    finally:
        reset_keys()


def test_blind_index_is_the_hmac_of_kind_and_value() -> None:
    """The index hashes from kept HMAC states: it must stay the standard HMAC-SHA256 of
    the key and message, or every stored identifier would no longer be found."""
    import hashlib
    import hmac

    from siyu.core.pii import _ring

    reset_keys()
    key = _ring()[0].idx
    for kind, value in [("phone", "13800138000"), ("email", "张敏@例子.cn"), ("x", "")]:
        msg = f"{kind}\x00{value}".encode()
        assert blind_index(kind, value) == hmac.new(key, msg, hashlib.sha256).hexdigest()
