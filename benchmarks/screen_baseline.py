"""The console's previous read paths, kept only as the baseline ``customer_list.py`` times
in the same run: the scope as an EXISTS per customer row, the first screen's day through
``customer__in`` (the whole scope listed first), the export as one response built whole."""

from __future__ import annotations

import io
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet


def old_scope(user: Any) -> QuerySet[Any]:
    from siyu.core.roles import scoped
    from siyu.customers.models import Customer, CustomerFollow, CustomerStatus

    def followed_by(staff: Any) -> Exists:
        return Exists(
            CustomerFollow.objects.filter(
                customer_id=OuterRef("pk"), staff_id=staff.pk, ended_at__isnull=True
            )
        )

    base = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    return scoped(base, user, unit_path="org_unit__path", own=followed_by)


def old_day(user: Any) -> Any:
    """The first screen's queries as they were (without the template)."""
    from siyu.analytics.dimensions import with_channel
    from siyu.analytics.gmv import ORDER_AGGREGATES, period_orders
    from siyu.channels.models import WelcomeSend
    from siyu.console.today import today_period

    customers = old_scope(user)
    period = today_period()
    base = period.compared("previous")
    acquired = customers.filter(first_seen_at__gte=period.start_at, first_seen_at__lt=period.end_at)
    list(with_channel(acquired).values("channel").annotate(n=Count("id")).order_by("-n"))
    sends = WelcomeSend.objects.filter(
        customer__in=customers, event_at__gte=period.start_at, event_at__lt=period.end_at
    )
    dict(sends.values_list("status").annotate(n=Count("id")).order_by())
    list(sends.values_list("event_at", "sent_at")[:5000])
    customers.aggregate(
        before=Count("id", filter=Q(first_seen_at__lt=base.end_at)),
        after=Count("id", filter=Q(first_seen_at__lt=period.end_at)),
    )
    return [period_orders(customers, p).aggregate(**ORDER_AGGREGATES) for p in (base, period)]


def old_list_total(user: Any) -> int:
    return old_scope(user).count()


def old_export(user: Any) -> int:
    """Every row of the scope written into one response body before the first byte."""
    from siyu.console.customer_export import FIELDS, export_header, export_row
    from siyu.core.csv_export import write_csv

    # Without tags: cheaper than the real export, so the baseline is not flattered.
    rows = old_scope(user).values_list(*FIELDS).iterator(chunk_size=2000)
    out = io.StringIO()
    return write_csv(out, export_header(), (export_row(row, []) for row in rows))
