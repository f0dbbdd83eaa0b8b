"""Create or update a profile from identifiers plus profile fields (API, import, WeCom)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from siyu.core.models import OrgUnit, Staff
from siyu.customers.changes import append_change
from siyu.customers.identity_rules import IdentityInput, normalize_value
from siyu.customers.models import ChangeKind, Customer, Gender, LifecycleStage, SpendingPower
from siyu.customers.resolve import resolve_identities

PLAIN_FIELDS = {"display_name", "real_name", "address", "region", "occupation"}
CHOICE_FIELDS: dict[str, Any] = {
    "gender": Gender,
    "spending_power": SpendingPower,
    "lifecycle_stage": LifecycleStage,
}
IDENTITY_FIELDS = {"phone", "email"}
ALLOWED = (
    PLAIN_FIELDS
    | set(CHOICE_FIELDS)
    | IDENTITY_FIELDS
    | {"birthday", "interests", "org_unit", "primary_owner"}
)


class NoUsableIdentity(ValueError):
    """Every identifier given was junk or shared, so there is no one to write to."""


def check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - ALLOWED
    if unknown:
        raise ValueError(f"unknown profile fields: {', '.join(sorted(unknown))}")
    for name, choices in CHOICE_FIELDS.items():
        if name in fields and fields[name] not in choices.values:
            raise ValueError(f"{name} must be one of {', '.join(choices.values)}")
    if "birthday" in fields and not isinstance(fields["birthday"], date | None):
        raise ValueError("birthday must be a date")
    if "interests" in fields and not isinstance(fields["interests"], list):
        raise ValueError("interests must be a list of strings")
    if "org_unit" in fields and not isinstance(fields["org_unit"], OrgUnit | None):
        raise ValueError("org_unit must be an OrgUnit")
    if "primary_owner" in fields and not isinstance(fields["primary_owner"], Staff | None):
        raise ValueError("primary_owner must be a Staff")


@transaction.atomic
def upsert_customer(
    identities: Sequence[IdentityInput],
    *,
    fields: dict[str, Any],
    source: str,
    at: datetime | None = None,
) -> Customer:
    """Resolve the identifiers (phone and email in ``fields`` count as identifiers too) to
    one profile and set the given fields on it. Empty values do not erase stored ones."""
    check_fields(fields)
    all_ids = list(identities)
    all_ids.extend(
        IdentityInput(n, str(fields[n])) for n in sorted(IDENTITY_FIELDS) if fields.get(n)
    )
    customer = resolve_identities(all_ids, source=source, at=at or timezone.now())
    if customer is None:
        raise NoUsableIdentity("no usable identifier: all were empty, placeholders or shared")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = _apply_fields(customer, fields)
    if changed:
        customer.save()
        # Field names only: values may be personal data, and consumers read the profile.
        append_change(customer.pk, ChangeKind.PROFILE, data={"fields": changed})
    return customer


def _apply_fields(customer: Customer, fields: dict[str, Any]) -> list[str]:
    changed: list[str] = []
    for name, value in fields.items():
        if value in (None, "", []) or name == "email":
            continue
        if name == "phone":
            name, value = "phone_last4", normalize_value("phone", str(value))[-4:]
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    return changed
