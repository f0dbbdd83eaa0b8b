"""A stored key built field by field (``identity_rules._key``) is the dataclass its
constructor builds: equal, same hash, every field set."""

from __future__ import annotations

import dataclasses

import pytest

from siyu.core.pii import blind_index
from siyu.customers.identity_rules import IdentityInput, StoredKey, _key, stored_key


def test_the_fast_key_is_the_constructed_one() -> None:
    values = ("phone", "", "abc", "13911112222", "2222", ("old",))
    fast, slow = _key(*values), StoredKey(*values)
    assert fast == slow
    assert hash(fast) == hash(slow)
    assert repr(fast) == repr(slow)
    assert [f.name for f in dataclasses.fields(StoredKey)] == list(fast.__dict__)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.value = "x"  # type: ignore[misc]


def test_stored_keys_of_plain_and_personal_identifiers() -> None:
    assert stored_key(IdentityInput("taobao_buyer_id", " tb1 ")) == StoredKey(
        "taobao_buyer_id", "", "tb1", "", ""
    )
    phone = stored_key(IdentityInput("phone", "139 1111 2222"))
    assert phone == StoredKey(
        "phone", "", blind_index("phone", "13911112222"), "13911112222", "2222"
    )
    assert stored_key(IdentityInput("phone", "null")) is None
