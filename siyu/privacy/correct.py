"""Correction and consent withdrawal, answered through the customers app's own verbs.

A correction sets profile fields to what the person says they are (an empty value erases
a stored one, unlike an upsert, which never blanks). Identifiers (phone, email) are not
corrected here: a wrong phone is deleted with its identity and the right one given like
any new identifier. The audit keeps the field names, never the old or new values.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from siyu.core.audit import record_audit
from siyu.customers.changes import append_change
from siyu.customers.consent import latest_consent, record_consent
from siyu.customers.models import ChangeKind, Consent, ConsentPurpose, Customer
from siyu.customers.profiles import CHOICE_FIELDS, PLAIN_FIELDS, check_fields
from siyu.privacy.models import PrivacyRequest
from siyu.privacy.steps import record_step

Actor = AbstractBaseUser | AnonymousUser | None
CORRECTABLE = PLAIN_FIELDS | set(CHOICE_FIELDS) | {"birthday", "interests"}
EMPTY: dict[str, Any] = {"birthday": None, "interests": []}


@transaction.atomic
def correct_profile(
    customer: Customer,
    fields: dict[str, Any],
    *,
    actor: Actor,
    request: PrivacyRequest | None = None,
) -> list[str]:
    """Set these fields; returns the names of those that changed."""
    unknown = set(fields) - CORRECTABLE
    if unknown:
        raise ValueError(f"not correctable here: {', '.join(sorted(unknown))}")
    check_fields({k: v for k, v in fields.items() if v not in (None, "")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    changed = []
    for name, value in sorted(fields.items()):
        value = EMPTY.get(name, "") if value in (None, "") else value
        if getattr(customer, name) != value:
            setattr(customer, name, value)
            changed.append(name)
    if changed:
        customer.save()
        append_change(customer.pk, ChangeKind.PROFILE, data={"fields": changed})
    record_audit(actor, "privacy.correct", "customer", customer.pk, fields=changed)
    if request is not None:
        record_step(request, "corrected", actor, fields=changed)
    return changed


POLICY_OF_WITHDRAWAL = "withdrawal"


@transaction.atomic
def withdraw_consent(
    customer: Customer,
    purpose: str,
    *,
    actor: Actor,
    source: str,
    request: PrivacyRequest | None = None,
    at: datetime | None = None,
) -> Consent:
    """Withdraw consent for one purpose, at once: the current decision becomes a refusal,
    which the send policy reads on every send. The withdrawal names the policy version
    the person had agreed to, so the history says what was withdrawn."""
    if purpose not in ConsentPurpose.values:
        raise ValueError(f"purpose must be one of {', '.join(ConsentPurpose.values)}")

    agreed = latest_consent(customer.pk, purpose).values_list("policy_version", flat=True).first()
    consent = record_consent(
        customer,
        purpose=purpose,
        granted=False,
        policy_version=agreed or POLICY_OF_WITHDRAWAL,
        source=source,
        at=at or timezone.now(),
    )
    record_audit(actor, "privacy.withdraw", "customer", customer.pk, purpose=purpose)
    if request is not None:
        record_step(request, "withdrawn", actor, purpose=purpose)
    return consent
