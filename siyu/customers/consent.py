"""Consent per purpose. Append-only: a withdrawal is a new record, never a deletion.

The current state of a purpose is its latest record (by ``occurred_at``, then id), read
with the ``consent_cur`` index: one row per question, however long the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from siyu.core.id_sets import among, plain_rows
from siyu.customers.changes import append_change
from siyu.customers.models import ChangeKind, Consent, ConsentPurpose, Customer


@transaction.atomic(savepoint=False)
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
    consent = Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        policy_version=policy_version,
        source=source,
        occurred_at=at,
    )
    data = {"purpose": purpose, "granted": granted}
    append_change(customer.pk, ChangeKind.CONSENT, ref=consent.pk, data=data)
    return consent


def latest_consent(customer_id: Any, purpose: str) -> QuerySet[Consent]:
    """The current decision for one purpose, as a one-row queryset (usable as a subquery
    with ``OuterRef``)."""
    return Consent.objects.filter(customer_id=customer_id, purpose=purpose).order_by(
        "-occurred_at", "-pk"
    )[:1]


def consent_is(purpose: str, granted: bool, customer_ref: str = "pk") -> Q:
    """For a queryset of customers (``customer_ref`` names their id): the current decision
    for ``purpose`` is ``granted``. No decision at all matches neither."""
    latest = latest_consent(OuterRef(OuterRef(customer_ref)), purpose).values("pk")
    return Q(Exists(Consent.objects.filter(pk=Subquery(latest), granted=granted)))


def current_consents(customer: Customer) -> dict[str, Consent]:
    """The latest decision per purpose: one indexed row per purpose."""
    latest: dict[str, Consent] = {}
    for purpose in ConsentPurpose.values:
        row = latest_consent(customer.pk, purpose).first()
        if row is not None:
            latest[purpose] = row
    return latest


def has_consent(customer: Customer, purpose: str) -> bool:
    granted = latest_consent(customer.pk, purpose).values_list("granted", flat=True).first()
    return bool(granted)


def consenting(customer_ids: Iterable[int], purpose: str) -> set[int]:
    """Of these customers, those whose current decision for ``purpose`` is a grant, for a
    send to many: their records of the purpose in one ordered read (consent_cur's order,
    newest first per customer; the first of each decides), not a subquery per customer
    (a send's chunk of 2,000 and a 10,000-recipient staff task at 1M customers)."""
    rows = (
        among(Consent.objects.filter(purpose=purpose), "customer", list(customer_ids))
        .order_by("customer_id", "-occurred_at", "-pk")
        .values_list("customer_id", "granted")
    )
    latest: dict[int, bool] = {}
    for customer_id, granted in plain_rows(rows):  # SQLite: granted is 0 or 1
        latest.setdefault(customer_id, granted)
    return {customer_id for customer_id, granted in latest.items() if granted}
