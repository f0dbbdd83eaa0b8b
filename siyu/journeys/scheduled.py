"""Entries that come from time, not from a change: a date relative to a profile date
(birthday, first order + N days) and a recurring audience (a segment's members every N
hours). The poller enters whoever is due once per run; the run's date is the entry key, so
two workers running the same day enter each customer once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from siyu.core.clock import local_date
from siyu.customers.models import Customer, Order
from siyu.journeys.entries import Entrant, enroll
from siyu.journeys.models import Journey, JourneyStatus
from siyu.journeys.stats import choose_winner
from siyu.segments.models import Membership

SCHEDULED = ("date", "audience")
MAX_AUDIENCE = 2_000_000


def date_entrants(journey: Journey, now: datetime) -> list[Entrant]:
    entry = journey.entry
    offset = int(entry.get("offset_days", 0))
    target = local_date(now) - timedelta(days=offset)
    key = f"date:{local_date(now).isoformat()}"
    if entry.get("field") == "first_order":
        firsts = Order.objects.values("customer_id").annotate(first=Min("paid_at"))
        ids = [r["customer_id"] for r in firsts if local_date(r["first"]) == target]
    else:  # birthday: the month and day, any year
        ids = list(
            Customer.objects.filter(
                birthday__month=target.month, birthday__day=target.day
            ).values_list("pk", flat=True)
        )
    return [Entrant(c, f"{key}:{c}") for c in ids]


def audience_entrants(journey: Journey, now: datetime) -> list[Entrant]:
    members = Membership.objects.filter(
        segment_id=int(journey.entry.get("segment_id", 0)), left_at__isnull=True
    ).values_list("customer_id", flat=True)[:MAX_AUDIENCE]
    key = f"audience:{now.strftime('%Y%m%d%H')}"
    return [Entrant(c, f"{key}:{c}") for c in members]


def _next_run(journey: Journey, now: datetime) -> datetime:
    if journey.entry.get("kind") == "audience":
        return now + timedelta(hours=max(1, int(journey.entry.get("every_hours", 24))))
    return now + timedelta(hours=1)


def run_scheduled(now: datetime | None = None) -> int:
    now = now or timezone.now()
    entered = 0
    due = Journey.objects.filter(
        status=JourneyStatus.ACTIVE, entry__kind__in=SCHEDULED
    ).select_related("current")
    for journey in due:
        if journey.next_entry_at and journey.next_entry_at > now:
            continue
        with transaction.atomic():
            claimed = Journey.objects.filter(
                pk=journey.pk, next_entry_at=journey.next_entry_at
            ).update(next_entry_at=_next_run(journey, now))
        if not claimed:
            continue  # another worker runs it
        kind = journey.entry.get("kind")
        entrants = (date_entrants if kind == "date" else audience_entrants)(journey, now)
        entered += enroll(journey, entrants, source=str(kind), at=now)
    return entered


def pick_winners(now: datetime | None = None) -> int:
    """Each running split with a winner window that has passed gets its winner."""
    chosen = 0
    for journey in Journey.objects.filter(status=JourneyStatus.ACTIVE).select_related("current"):
        version = journey.current
        if version is None:
            continue
        for key, step in version.graph["steps"].items():
            if step.get("type") != "split" or not step.get("winner_after_days"):
                continue
            if f"{version.pk}:{key}" not in journey.winners:
                chosen += choose_winner(journey, version.pk, key, at=now) is not None
    return chosen


def poll_scheduled() -> int:
    """Idle-interval poller: returns 0 so the worker waits its interval between runs."""
    run_scheduled()
    pick_winners()
    return 0
