"""Consent per purpose. Append-only: a withdrawal is a new record, never a deletion."""

from __future__ import annotations

from datetime import datetime

from siyu.customers.models import Consent, ConsentPurpose, Customer


def record_consent(
    customer: Customer,
    *,
    purpose: str,
    granted: bool,
    policy_version: str,
    source: str,
    at: datetime,
) -> Consent:
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"purpose must be one of {', '.join(ConsentPurpose.values)}")
    if not policy_version:
        raise ValueError("policy_version is required: consent is given to a specific text")
    return Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        policy_version=policy_version,
        source=source,
        occurred_at=at,
    )


def current_consents(customer: Customer) -> dict[str, Consent]:
    """The latest decision per purpose."""
    latest: dict[str, Consent] = {}
    for c in Consent.objects.filter(customer=customer).order_by("occurred_at", "pk"):
        latest[c.purpose] = c
    return latest


def has_consent(customer: Customer, purpose: str) -> bool:
    current = current_consents(customer).get(purpose)
    return bool(current and current.granted)
