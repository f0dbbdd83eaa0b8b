"""Reads for the console and the API. Every read of customers starts from the caller's
scope (``visible_customers`` for staff, all active customers for integration keys)."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from siyu.analytics.readmodel.scope import Filter
from siyu.analytics.readmodel.sync import current_if_built
from siyu.analytics.views.source import Source, read_model_on
from siyu.core.csv_export import csv_text, write_csv
from siyu.core.pii import mask_name
from siyu.customers.models import Customer
from siyu.segments import readmodel_rules
from siyu.segments.compiler import matching_customers
from siyu.segments.define import check_rule
from siyu.segments.facts import facts_ready
from siyu.segments.fast import matching_fast
from siyu.segments.models import Membership, Segment

MEMBER_PAGE = 50


def segments_with_counts(
    scope: QuerySet[Customer], *, brand_wide: bool = False
) -> QuerySet[Segment]:
    """Segments with ``visible_members``: current members the viewer may see. A brand-wide
    viewer sees every member: the open stints are counted from their index alone, with no
    look-up of each member's profile (hundreds of thousands at a real brand)."""
    visible = Q(memberships__left_at__isnull=True)
    if not brand_wide:
        visible &= Q(memberships__customer__in=scope)
    return Segment.objects.annotate(visible_members=Count("memberships", filter=visible))


def visible_member_count(
    segment: Segment, scope: QuerySet[Customer], *, brand_wide: bool = False
) -> int:
    if brand_wide:
        return Membership.objects.filter(segment=segment, left_at__isnull=True).count()
    return current_members(segment, scope).count()


@dataclass(frozen=True)
class LiveCount:
    count: int
    freshness: str | None  # how old the read model's data is; None: read live


def live_count(
    rule: Any, scope: QuerySet[Customer], now: datetime, read: Filter | None = None
) -> LiveCount:
    """How many customers in the scope match a draft rule right now (raises RuleError).
    ``read``: the scope as a filter of the read model (brand-wide, org units), which then
    answers what it holds, once this process has it; otherwise the order facts once they
    are filled, else the orders themselves."""
    node = check_rule(rule)
    built = current_if_built() if read is not None and read_model_on() else None
    if built is not None and read is not None:
        engine, state = built
        found = readmodel_rules.count(engine, node, now, read)
        if found is not None:
            return LiveCount(found, Source(engine, read, state).freshness())
    match = matching_fast if facts_ready() else matching_customers
    return LiveCount(match(node, now, base=scope).count(), None)


def parse_rule_text(text: str) -> Any:
    """The editor's JSON text; a RuleError-like ValueError with a message if it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None


def current_members(segment: Segment, scope: QuerySet[Customer]) -> QuerySet[Membership]:
    return Membership.objects.filter(
        segment=segment, left_at__isnull=True, customer__in=scope
    ).select_related("customer")


def member_page(
    segment: Segment, scope: QuerySet[Customer], after: int | None, limit: int = MEMBER_PAGE
) -> list[Membership]:
    """Keyset page by customer id, so deep pages cost the same as the first."""
    rows = current_members(segment, scope).order_by("customer_id")
    if after is not None:
        rows = rows.filter(customer_id__gt=after)
    return list(rows[:limit])


EXPORT_HEADER = [
    "customer_id",
    "display_name",
    "phone",
    "gender",
    "region",
    "lifecycle_stage",
    "joined_at",
]


EXPORT_COLUMNS = (
    "customer_id",
    "customer__display_name",
    "customer__phone_last4",
    "customer__gender",
    "customer__region",
    "customer__lifecycle_stage",
    "joined_at",
)


def export_members_csv(segment: Segment, scope: QuerySet[Customer]) -> tuple[str, int]:
    """CSV of the visible members with personal data masked; returns (text, rows). Only
    the exported columns are read (no model per row, nothing decrypted)."""
    found = current_members(segment, scope).order_by("customer_id").values_list(*EXPORT_COLUMNS)
    rows = (
        [
            cid,
            mask_name(name),
            f"*******{last4}" if last4 else "",
            gender,
            region,
            stage,
            joined_at.isoformat(),
        ]
        for cid, name, last4, gender, region, stage, joined_at in found.iterator(chunk_size=5000)
    )
    out = io.StringIO()
    count = write_csv(out, EXPORT_HEADER, rows)
    return out.getvalue(), count


def table_csv(header: list[str], rows: list[list[Any]]) -> str:
    return csv_text(header, rows)
