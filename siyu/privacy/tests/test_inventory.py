"""The inventory is built from the code: every encrypted field is declared, every
declared field exists, and what it says about encryption and retention is what the code
does."""

from __future__ import annotations

from django.apps import apps
from django.utils import translation

from siyu.core.fields import EncryptedTextField
from siyu.privacy.inventory import DECLARATIONS, inventory
from siyu.privacy.retention import RULES


def test_every_encrypted_field_is_in_the_inventory() -> None:
    declared = {path for d in DECLARATIONS for path in d.fields}
    encrypted = {
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.concrete_fields
        if isinstance(f, EncryptedTextField)
    }
    assert encrypted - declared == set()


def test_each_row_says_where_it_is_stored_and_how_long_it_is_kept() -> None:
    with translation.override("en"):
        rows = {str(r.data.kind): r for r in inventory()}  # raises on a field that is not
    assert ("customers_customer.real_name", True) in rows["Real name"].storage
    assert ("customers_customer.region", False) in rows[
        "Profile: gender, birthday, region, occupation, interests"
    ].storage
    assert rows["Raw WeCom callbacks"].retention_days == RULES["wecom_inbox"].limit_days() == 30
    assert rows["Real name"].retention_days is None  # until the person is deleted
    assert all(d.retention in RULES or d.retention == "" for d in DECLARATIONS)
