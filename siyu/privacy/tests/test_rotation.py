"""Key rotation: interrupted and resumed, every field stays readable and every lookup
keeps working, before, during and after; then the old key can go."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings

from siyu.console.queries import identity_customer_ids
from siyu.core.pii import decrypt_pii, reset_keys
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, Identity, MergeRecord
from siyu.customers.resolve import resolve_identities
from siyu.privacy.requests import find_customer
from siyu.privacy.rotation import remaining, rotate_all, targets
from siyu.privacy.tests.conftest import Zhang

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings: Any) -> Iterator[tuple[str, str]]:
    old, new = settings.PII_KEY, base64.urlsafe_b64encode(os.urandom(32)).decode()
    yield old, new
    reset_keys()


def _use(current: str, *old: str) -> Any:
    reset_keys()
    return override_settings(PII_KEY=current, PII_OLD_KEYS=old)


def _phone(zhang: Zhang) -> str:
    return decrypt_pii(Identity.objects.get(customer=zhang.customer, type="phone").value_encrypted)


def _everything_readable() -> int:
    """Decrypt every ciphertext of every column the rotation walks; returns how many."""
    n = 0
    with connection.cursor() as cursor:
        for model, field in targets():
            column = model._meta.get_field(field).column  # type: ignore[union-attr]
            cursor.execute(f"SELECT {column} FROM {model._meta.db_table}")  # noqa: S608
            for (raw,) in cursor.fetchall():
                if raw:
                    decrypt_pii(raw)
                    n += 1
    for before in MergeRecord.objects.values_list("survivor_before", flat=True):
        for value in (before.get("real_name"), before.get("address")):
            if value:
                decrypt_pii(value)
    return n


def _lookups_work(zhang: Zhang, phone: str) -> None:
    reset_keys()
    assert find_customer(IdentityInput("phone", phone)) == zhang.customer
    assert zhang.customer.pk in identity_customer_ids(phone)
    found = resolve_identities([IdentityInput("phone", phone)], source="test")
    assert found == zhang.customer
    assert Identity.objects.filter(type="phone", customer=zhang.customer).count() == 1
    assert Customer.objects.get(pk=zhang.customer.pk).real_name == "张敏"


def test_rotation_interrupted_and_resumed_keeps_every_field_and_lookup(
    zhang: Zhang, keys: tuple[str, str]
) -> None:
    old, new = keys
    phone = _phone(zhang)
    before = _everything_readable()
    with _use(new, old):
        _lookups_work(zhang, phone)  # the new key is current, nothing rotated yet
        rotate_all(chunk=1, chunks=1)  # interrupted after one row per column
        assert sum(remaining().values()) > 0
        assert _everything_readable() == before
        _lookups_work(zhang, phone)
        call_command("rotate_pii_key", "--chunk", "2", stdout=open(os.devnull, "w"))  # noqa: SIM115
        assert sum(remaining().values()) == 0
    with _use(new):  # the old key is gone
        assert _everything_readable() == before
        _lookups_work(zhang, phone)


def test_without_the_rotation_the_old_key_cannot_go(zhang: Zhang, keys: tuple[str, str]) -> None:
    _old, new = keys
    with _use(new), pytest.raises(ValueError, match="not configured"):
        _everything_readable()
