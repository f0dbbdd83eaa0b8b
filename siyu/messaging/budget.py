"""WeCom's platform budget as a ledger, and what is left of every budget (本月还可触达).

Reserved when a send is planned (its staff task is created), charged when WeCom reports
it sent, released when it expires, is cancelled or refused. Each move is one conditional
UPDATE from the state before it, so a repeated report charges nothing twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from siyu.core.clock import brand_zone
from siyu.customers.models import Customer
from siyu.messaging.models import COUNTING, BudgetState, Priority, RecipientZone, Send
from siyu.messaging.policy import Rules
from siyu.messaging.windows import budget_window, monday, window_days, zone_named

CHUNK = 5000


def charge(sends: QuerySet[Send]) -> int:
    return sends.filter(budget_state=BudgetState.RESERVED).update(budget_state=BudgetState.CHARGED)


def release(sends: QuerySet[Send]) -> int:
    return sends.filter(budget_state=BudgetState.RESERVED).update(budget_state=BudgetState.RELEASED)


@dataclass(frozen=True)
class Left:
    """How many more messages each budget allows a recipient (None: no such cap)."""

    wecom: int
    wecom_limit: int
    day: int | None
    week: int | None
    channels: dict[str, tuple[int | None, int | None]]


def _remaining(limit: int, used: int) -> int | None:
    return max(limit - used, 0) if limit else None


def left_for_customer(customer: Customer, at: datetime | None = None) -> Left:
    at = at or timezone.now()
    rules = Rules.current()
    zone_name = (
        RecipientZone.objects.filter(customer=customer).values_list("zone", flat=True).first()
    )
    zone = zone_named(zone_name or "") or brand_zone()
    key = f"c:{customer.pk}"
    window, limit = budget_window(at, rules.budget_rule)
    today = at.astimezone(zone).date()
    first = monday(today)
    first_day, last_day = window_days(window, rules.budget_rule)
    in_budget = Q(
        local_day__gte=first_day,
        local_day__lte=last_day,
        budget_window=window,
        budget_state__in=[BudgetState.RESERVED, BudgetState.CHARGED],
    )
    in_week = Q(local_day__gte=first, local_day__lt=first + timedelta(days=7), status__in=COUNTING)
    # One read of the customer's sends answers every budget (the 360 counts its queries).
    rows = Send.objects.filter(Q(recipient=key) & (in_budget | in_week)).values_list(
        "channel", "local_day", "budget_window", "budget_state", "status", "priority"
    )
    wecom_used = day_used = week_used = 0
    per_channel: dict[str, list[int]] = {}
    for channel, day, row_window, state, status, priority in rows:
        if row_window == window and state in (BudgetState.RESERVED, BudgetState.CHARGED):
            wecom_used += 1
        if priority == Priority.TRANSACTIONAL or status not in COUNTING:
            continue
        if not first <= day < first + timedelta(days=7):
            continue
        week_used += 1
        counts = per_channel.setdefault(channel, [0, 0])
        counts[1] += 1
        if day == today:
            day_used += 1
            counts[0] += 1
    channels = {
        ch: (
            _remaining(caps[0], per_channel.get(ch, [0, 0])[0]),
            _remaining(caps[1], per_channel.get(ch, [0, 0])[1]),
        )
        for ch, caps in rules.channel_caps.items()
    }
    return Left(
        wecom=max(limit - wecom_used, 0),
        wecom_limit=limit,
        day=_remaining(rules.day_cap, day_used),
        week=_remaining(rules.week_cap, week_used),
        channels=channels,
    )


def wecom_left(recipients: Iterable[str], at: datetime | None = None) -> dict[int, int]:
    """For many recipients (a segment, a planned send): how many customers can still get
    n more WeCom mass messages this window, as {n: customers}. Set-based, chunked."""
    at = at or timezone.now()
    rule = Rules.current().budget_rule
    window, limit = budget_window(at, rule)
    first_day, last_day = window_days(window, rule)
    keys = list(recipients)
    used: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        part = keys[start : start + CHUNK]
        rows = (
            Send.objects.filter(
                recipient__in=part,
                local_day__gte=first_day,
                local_day__lte=last_day,
                budget_window=window,
                budget_state__in=[BudgetState.RESERVED, BudgetState.CHARGED],
            )
            .values_list("recipient")
            .annotate(n=Count("pk"))
        )
        used.update(dict(rows))
    spread: dict[int, int] = {}
    for key in keys:
        n = max(limit - used.get(key, 0), 0)
        spread[n] = spread.get(n, 0) + 1
    return spread


def customers_left(customers: QuerySet[Customer], at: datetime | None = None) -> dict[int, int]:
    return wecom_left((f"c:{pk}" for pk in customers.values_list("pk", flat=True).iterator()), at)
