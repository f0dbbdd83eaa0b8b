"""Append events to a profile's behaviour log, once per idempotency key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from siyu.customers.acquisition import note_seen
from siyu.customers.models import Customer, Event


def record_event(
    customer: Customer,
    *,
    type: str,
    occurred_at: datetime,
    properties: dict[str, Any] | None = None,
    source: str = "",
    idempotency_key: str,
) -> tuple[Event, bool]:
    """Return (event, created). A second delivery with the same key returns the first."""
    if not idempotency_key:
        raise ValueError("an event needs an idempotency key")
    existing = Event.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            event = Event.objects.create(
                customer=customer,
                type=type,
                occurred_at=occurred_at,
                properties=properties or {},
                source=source,
                idempotency_key=idempotency_key,
            )
            note_seen(customer, occurred_at)
            return event, True
    except IntegrityError:
        # A concurrent delivery of the same event committed first.
        return Event.objects.get(idempotency_key=idempotency_key), False
