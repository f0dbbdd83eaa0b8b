"""activity.Health on the read model: orders and events from it, the WeCom contacts open at
the period's start (follow rows, one indexed count) and whether opens and clicks are
recorded at all (one index probe each) from the database."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from siyu.analytics.activity import (
    MESSAGE_CLICKED,
    MESSAGE_OPENED,
    PAYMENT_CYCLE_LOOKBACK_DAYS,
    WECOM_DELETED,
    Health,
    recorded,
)
from siyu.analytics.periods import Period
from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.metrics import order_health
from siyu.analytics.readmodel.scope import Filter
from siyu.customers.models import Customer, CustomerFollow

MESSAGE_TYPES = ("message_sent", MESSAGE_OPENED, MESSAGE_CLICKED)


def contacts_at_start(customers: QuerySet[Customer], period: Period) -> int:
    # EXISTS per follow, not customer IN (scope): SQLite built the whole scope's id list
    # first (0.23 s at 200k customers, with no follow at all); this way the cost is one
    # primary-key probe per follow row. PostgreSQL plans both as the same semi-join.
    in_scope = customers.filter(pk=OuterRef("customer_id"))
    return CustomerFollow.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=period.start_at),
        Exists(in_scope),
        created_at__lt=period.start_at,
    ).count()


def health(engine: Engine, f: Filter, customers: QuerySet[Customer], period: Period) -> Health:
    h = order_health(
        engine,
        f,
        period,
        lookback_days=PAYMENT_CYCLE_LOOKBACK_DAYS,
        message_types=MESSAGE_TYPES,
        deleted_type=WECOM_DELETED,
    )
    return Health(
        customers=h.customers,
        new_customers=h.new_customers,
        buyers=h.buyers,
        paying_customers=h.paying_customers,
        gmv_fen=h.gmv_fen,
        churned=h.churned,
        previous_buyers=h.previous_buyers,
        payment_cycle_days=h.payment_cycle_days,
        active_customers=h.active_customers,
        active_days=h.active_days,
        messages_sent=h.messages["message_sent"],
        messages_opened=h.messages[MESSAGE_OPENED],
        messages_clicked=h.messages[MESSAGE_CLICKED],
        contacts_at_start=contacts_at_start(customers, period),
        contacts_deleted=h.contacts_deleted,
        opens_recorded=recorded(MESSAGE_OPENED),
        clicks_recorded=recorded(MESSAGE_CLICKED),
    )
