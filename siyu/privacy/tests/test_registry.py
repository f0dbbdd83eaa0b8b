"""Every table that can hold something about a person says what a privacy request does
with it (design rule 9): a new app cannot forget to contribute to exports and deletions."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from siyu.core.fields import EncryptedTextField
from siyu.customers import merge_hooks
from siyu.customers.merge_hooks import REGISTRY
from siyu.customers.models import Customer
from siyu.privacy import holders


def _holds_person_data(model: type[models.Model]) -> bool:
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is Customer:
            return True
        if field.attname == "customer_id" or isinstance(field, EncryptedTextField):
            return True
    return False


def test_every_table_holding_customer_rows_declares_an_exporter_and_an_eraser() -> None:
    missing = sorted(
        label for label, rows in REGISTRY.items() if rows.export is None or rows.erase is None
    )
    assert missing == [], f"declare export= and erase= on the CustomerRows of {missing}"


def test_every_table_with_personal_data_is_registered_or_exempt_with_a_reason() -> None:
    known = set(REGISTRY) | set(holders.HOLDERS) | set(holders.EXEMPT) | set(merge_hooks.EXEMPT)
    found = {m._meta.label for m in apps.get_models() if _holds_person_data(m)}
    assert found - known == set(), "register these tables for privacy requests"
    assert set(holders.EXEMPT) <= {m._meta.label for m in apps.get_models()}  # none stale


def test_the_wecom_adapter_declares_its_raw_payloads() -> None:
    assert {"wecom.CallbackInbox", "wecom.OutboundCall"} <= set(holders.HOLDERS)
