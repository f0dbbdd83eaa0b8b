"""Append events to a profile's behaviour log, once per idempotency key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from siyu.customers.acquisition import note_seen
from siyu.customers.bulk import insert_all
from siyu.customers.changes import NewChange, append_change, append_changes
from siyu.customers.models import ChangeKind, Customer, Event


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
            append_change(customer.pk, ChangeKind.EVENT, ref=event.pk, data={"type": type})
            return event, True
    except IntegrityError:
        # A concurrent delivery of the same event committed first.
        return Event.objects.get(idempotency_key=idempotency_key), False


def record_new_events(events: Sequence[Event]) -> list[Event]:
    """Insert events whose idempotency keys cannot exist yet (they name a row created in
    the same transaction, like a segment stint), in bulk, with their change rows."""
    if any(not e.idempotency_key for e in events):
        raise ValueError("an event needs an idempotency key")
    now = timezone.now()
    created = insert_all(Event, events)
    append_changes(
        (
            NewChange(e.customer_id, ChangeKind.EVENT, ref=e.pk, data={"type": e.type})
            for e in created
        ),
        at=now,
    )
    return created
