"""Engagement and health metrics for a period: churn, paying conversion, ARPU, payment
cycle, active customers and activity frequency, message open/click rates, unfollow rate.

Words mean one thing everywhere (definitions.py): "paying conversion" is the period's
buyers over its users, the same number as the GMV tree's conversion factor; the share of
users who have ever paid is a different figure with a different name. Open and click
rates are None ("no data yet") until something in the product records opens and clicks,
rather than a 0 % counted from event types nobody writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from siyu.analytics.gmv import period_orders
from siyu.analytics.periods import Period
from siyu.customers.models import Customer, CustomerFollow, Event, Order

PAYMENT_CYCLE_LOOKBACK_DAYS = 365
WECOM_DELETED = "wecom_contact_deleted"


@dataclass(frozen=True)
class Health:
    customers: int  # the pool at the end of the period
    new_customers: int
    buyers: int
    paying_customers: int  # ever ordered by the end of the period
    gmv_fen: int
    churned: int  # bought in the previous period, not in this one
    previous_buyers: int
    payment_cycle_days: float | None  # median days between a customer's consecutive orders
    active_customers: int  # any order or event in the period
    active_days: int  # customer-days with activity
    messages_sent: int
    messages_opened: int
    messages_clicked: int
    contacts_at_start: int  # WeCom follows open at the period start
    contacts_deleted: int  # customers who deleted a WeCom contact in the period
    opens_recorded: bool = False  # anything in the installation records message opens
    clicks_recorded: bool = False

    @property
    def paying_conversion(self) -> float:
        """Buyers in the period / users acquired by its end (= the GMV conversion factor)."""
        return self.buyers / self.customers if self.customers else 0.0

    @property
    def ever_paid_share(self) -> float:
        """Users who have paid at least once by the period's end / users."""
        return self.paying_customers / self.customers if self.customers else 0.0

    @property
    def arpu_fen(self) -> float:
        return self.gmv_fen / self.customers if self.customers else 0.0

    @property
    def arppu_fen(self) -> float:
        return self.gmv_fen / self.buyers if self.buyers else 0.0

    @property
    def churn_rate(self) -> float:
        return self.churned / self.previous_buyers if self.previous_buyers else 0.0

    @property
    def activity_frequency(self) -> float:
        """Active days per active customer in the period."""
        return self.active_days / self.active_customers if self.active_customers else 0.0

    @property
    def open_rate(self) -> float | None:
        """None until opens are recorded, or when no message was sent in the period."""
        if not self.opens_recorded or not self.messages_sent:
            return None
        return self.messages_opened / self.messages_sent

    @property
    def click_rate(self) -> float | None:
        if not self.clicks_recorded or not self.messages_sent:
            return None
        return self.messages_clicked / self.messages_sent

    @property
    def unfollow_rate(self) -> float:
        return self.contacts_deleted / self.contacts_at_start if self.contacts_at_start else 0.0


def _buyer_ids(customers: QuerySet[Customer], period: Period) -> set[int]:
    return set(period_orders(customers, period).values_list("customer_id", flat=True).distinct())


def payment_cycle_days(customers: QuerySet[Customer], period: Period) -> float | None:
    since = period.end_at - timedelta(days=PAYMENT_CYCLE_LOOKBACK_DAYS)
    rows = (
        Order.objects.filter(customer__in=customers, paid_at__gte=since, paid_at__lt=period.end_at)
        .order_by("customer_id", "paid_at")
        .values_list("customer_id", "paid_at")
    )
    gaps: list[float] = []
    last_customer, last_time = None, None
    for customer_id, paid_at in rows.iterator(chunk_size=5000):
        if customer_id == last_customer and last_time is not None:
            gaps.append((paid_at - last_time).total_seconds() / 86400)
        last_customer, last_time = customer_id, paid_at
    return float(np.median(gaps)) if gaps else None


def _activity(customers: QuerySet[Customer], period: Period) -> tuple[int, int]:
    events = Event.objects.filter(
        customer__in=customers, occurred_at__gte=period.start_at, occurred_at__lt=period.end_at
    )
    pairs = set(events.values_list("customer_id", TruncDate("occurred_at")).distinct())
    pairs |= set(
        period_orders(customers, period).values_list("customer_id", TruncDate("paid_at")).distinct()
    )
    return len({c for c, _ in pairs}), len(pairs)


MESSAGE_OPENED, MESSAGE_CLICKED = "message_opened", "message_clicked"


def recorded(event_type: str) -> bool:
    """Whether anything has ever recorded this event type (brand-wide, one index probe)."""
    return Event.objects.filter(type=event_type).exists()


def _messages(customers: QuerySet[Customer], period: Period) -> dict[str, int]:
    types = ("message_sent", MESSAGE_OPENED, MESSAGE_CLICKED)
    counts = Event.objects.filter(
        customer__in=customers,
        type__in=types,
        occurred_at__gte=period.start_at,
        occurred_at__lt=period.end_at,
    ).aggregate(**{t: Count("id", filter=Q(type=t)) for t in types})
    return {k: int(v or 0) for k, v in counts.items()}


def _unfollows(customers: QuerySet[Customer], period: Period) -> tuple[int, int]:
    open_at_start = CustomerFollow.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=period.start_at),
        customer__in=customers,
        created_at__lt=period.start_at,
    ).count()
    deleted = (
        Event.objects.filter(
            customer__in=customers,
            type=WECOM_DELETED,
            occurred_at__gte=period.start_at,
            occurred_at__lt=period.end_at,
        )
        .values("customer_id")
        .distinct()
        .count()
    )
    return open_at_start, deleted


def health(customers: QuerySet[Customer], period: Period) -> Health:
    pool = customers.filter(first_seen_at__lt=period.end_at)
    counts = pool.aggregate(
        n=Count("id"),
        new=Count("id", filter=Q(first_seen_at__gte=period.start_at)),
    )
    paying = (
        Order.objects.filter(customer__in=customers, paid_at__lt=period.end_at)
        .values("customer_id")
        .distinct()
        .count()
    )
    now_buyers = _buyer_ids(customers, period)
    before = _buyer_ids(customers, period.previous())
    gmv = period_orders(customers, period).aggregate(s=Sum(F("paid_fen") - F("refunded_fen")))
    active, active_days = _activity(customers, period)
    messages = _messages(customers, period)
    contacts, deleted = _unfollows(customers, period)
    return Health(
        customers=counts["n"],
        new_customers=counts["new"],
        buyers=len(now_buyers),
        paying_customers=paying,
        gmv_fen=int(gmv["s"] or 0),
        churned=len(before - now_buyers),
        previous_buyers=len(before),
        payment_cycle_days=payment_cycle_days(customers, period),
        active_customers=active,
        active_days=active_days,
        messages_sent=messages["message_sent"],
        messages_opened=messages["message_opened"],
        messages_clicked=messages["message_clicked"],
        contacts_at_start=contacts,
        contacts_deleted=deleted,
        opens_recorded=recorded(MESSAGE_OPENED),
        clicks_recorded=recorded(MESSAGE_CLICKED),
    )
