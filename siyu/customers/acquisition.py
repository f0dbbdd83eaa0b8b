"""The customer's acquisition time (``Customer.first_seen_at``): the earliest evidence of the
person, whichever arrives first and in whatever order files are imported.

Evidence is an order (paid_at), an event (occurred_at), an identity observation (its
moment) or an acquisition time an import states. Each only ever moves the time EARLIER,
so re-importing, importing history after the present, or importing files in any order all
give the same answer: the earliest thing we know. A merge keeps the earlier of the two.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Case, F, Q, Value, When

from siyu.customers.models import Customer

NOTE_BATCH = 400  # customers per UPDATE: well under SQLite's limit of bound parameters


def note_seen(customer: Customer, at: datetime) -> Customer:
    """Move ``customer``'s acquisition time to ``at`` if that is earlier; return it.

    The in-memory value can only be later than the stored one (the stored one only moves
    earlier), so when it is already at or before ``at`` nothing needs writing: the common
    case (a known customer's new order) costs no query. Otherwise one conditional UPDATE,
    which is also right when a concurrent writer moved the time meanwhile."""
    known = customer.first_seen_at
    if known is not None and known <= at:
        return customer
    Customer.objects.filter(Q(first_seen_at__isnull=True) | Q(first_seen_at__gt=at)).filter(
        pk=customer.pk
    ).update(first_seen_at=at)
    customer.first_seen_at = at
    return customer


def earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    """The earlier of two acquisition times (None is unknown, not early)."""
    if a is None or b is None:
        return a or b
    return min(a, b)


def note_seen_many(earliest_of: dict[int, datetime]) -> None:
    """``note_seen`` for many customers at once (bulk imports): one UPDATE per batch of
    customers, each moved to its own time only where the stored time is later or unknown
    (checked in the statement itself, so a concurrent earlier time is never overwritten)."""
    if not earliest_of:
        return
    stored = dict(
        Customer.objects.filter(pk__in=list(earliest_of)).values_list("pk", "first_seen_at")
    )
    moving = sorted(
        (pk, at) for pk, at in earliest_of.items() if pk in stored and _later(stored[pk], at)
    )
    for start in range(0, len(moving), NOTE_BATCH):
        batch = moving[start : start + NOTE_BATCH]
        later = Q(first_seen_at__isnull=True)
        Customer.objects.filter(pk__in=[pk for pk, _at in batch]).update(
            first_seen_at=Case(
                *(When(later | Q(first_seen_at__gt=at), pk=pk, then=Value(at)) for pk, at in batch),
                default=F("first_seen_at"),
            )
        )


def _later(known: datetime | None, at: datetime) -> bool:
    return known is None or known > at
