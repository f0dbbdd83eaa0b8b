"""Automatic tags (智能打标签): a tag whose rule over behaviour decides who carries it.

A rule is JSON so operators can edit it in the console:
``{"metric": "order_count", "op": ">=", "value": 3, "window_days": 90}``. Metrics:
order_count, paid_fen_total (net of refunds), days_since_last_order, event_count (with
``event_type``), channel (first-touch channel tag name, op "=").
Recomputing a rule adds the tag to customers who now match and removes it from those who
no longer do; manual tags are never touched.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from siyu.customers.changes import NewChange, append_changes
from siyu.customers.models import (
    ChangeKind,
    Customer,
    CustomerStatus,
    CustomerTag,
    Tag,
    TagKind,
    TagSource,
)

OPS = {">=": "gte", ">": "gt", "<=": "lte", "<": "lt", "=": "exact"}
METRICS = {"order_count", "paid_fen_total", "days_since_last_order", "event_count", "channel"}


def check_rule(rule: dict[str, Any]) -> None:
    if rule.get("metric") not in METRICS:
        raise ValueError(f"metric must be one of {', '.join(sorted(METRICS))}")
    if rule.get("op") not in OPS:
        raise ValueError(f"op must be one of {', '.join(OPS)}")
    if rule["metric"] != "channel" and not isinstance(rule.get("value"), int):
        raise ValueError("value must be an integer")
    if rule["metric"] == "event_count" and not rule.get("event_type"):
        raise ValueError("event_count needs an event_type")
    window = rule.get("window_days")
    if window is not None and (not isinstance(window, int) or window <= 0):
        raise ValueError("window_days must be a positive integer")


def matching(rule: dict[str, Any], now: datetime) -> QuerySet[Customer]:
    check_rule(rule)
    metric, lookup, value = rule["metric"], OPS[rule["op"]], rule.get("value")
    since = now - timedelta(days=rule["window_days"]) if rule.get("window_days") else None
    base = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    if metric == "channel":
        return base.filter(tag_links__tag__group__name="渠道", tag_links__tag__name=value)
    if metric == "days_since_last_order":
        # "at least N days since the last order" == last order at or before now - N days.
        flipped = {"gte": "lte", "gt": "lt", "lte": "gte", "lt": "gt", "exact": "date"}
        cutoff = now - timedelta(days=int(str(value)))
        last = base.annotate(last=Max("orders__paid_at")).filter(last__isnull=False)
        if lookup == "exact":
            return last.filter(last__date=cutoff.date())
        return last.filter(**{f"last__{flipped[lookup]}": cutoff})
    if metric == "event_count":
        q = Q(events__type=rule["event_type"])
        if since:
            q &= Q(events__occurred_at__gte=since)
        return base.annotate(n=Count("events", filter=q)).filter(**{f"n__{lookup}": value})
    q = Q(orders__paid_at__gte=since) if since else Q()
    if metric == "order_count":
        annotated = base.annotate(n=Count("orders", filter=q))
    else:
        net = Sum(F("orders__paid_fen") - F("orders__refunded_fen"), filter=q)
        annotated = base.annotate(n=Coalesce(net, 0))
    return annotated.filter(**{f"n__{lookup}": value})


@transaction.atomic
def recompute_rule_tag(tag: Tag, now: datetime | None = None) -> tuple[int, int]:
    """Bring one automatic tag up to date. Returns (added, removed)."""
    if tag.kind != TagKind.RULE:
        raise ValueError("only automatic (rule) tags are recomputed")
    now = now or timezone.now()
    should = set(matching(tag.rule, now).values_list("pk", flat=True))
    current = set(
        CustomerTag.objects.filter(tag=tag, source=TagSource.RULE).values_list(
            "customer_id", flat=True
        )
    )
    manual = set(
        CustomerTag.objects.filter(tag=tag)
        .exclude(source=TagSource.RULE)
        .values_list("customer_id", flat=True)
    )
    to_add = should - current - manual
    to_remove = current - should
    CustomerTag.objects.bulk_create(
        [
            CustomerTag(customer_id=pk, tag=tag, source=TagSource.RULE, created_at=now)
            for pk in sorted(to_add)
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    CustomerTag.objects.filter(tag=tag, source=TagSource.RULE, customer_id__in=to_remove).delete()
    append_changes(
        [NewChange(pk, ChangeKind.TAG, ref=tag.pk, data={"added": True}) for pk in sorted(to_add)]
        + [
            NewChange(pk, ChangeKind.TAG, ref=tag.pk, data={"added": False})
            for pk in sorted(to_remove)
        ]
    )
    return len(to_add), len(to_remove)


def recompute_all_rule_tags(now: datetime | None = None) -> dict[str, tuple[int, int]]:
    return {tag.name: recompute_rule_tag(tag, now) for tag in Tag.objects.filter(kind=TagKind.RULE)}
