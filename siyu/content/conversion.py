"""Conversion per material and per variant: sends, readers, opens, clicks, then the orders
(and revenue, net of refunds) of readers within the attribution window after an open.

Each order goes to one open: the latest before it (last touch) or the earliest within the
window (first touch). Only opens by a known customer can be followed to an order; a mass
send's one link counts as one send (its readers are counted as they come).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, F, Sum

from siyu.content.models import ContentSend, LinkOpen, LinkViewer, Material, MaterialVariant
from siyu.customers.models import Order

CHUNK = 1000
Key = tuple[int, int | None]  # (material id, variant id)


class Touch:
    LAST = "last"
    FIRST = "first"


@dataclass
class Row:
    material_id: int
    title: str
    variant_id: int | None = None
    variant: str = ""
    sends: int = 0
    recipients: int = 0  # sends to a known customer: the denominator of the rate
    readers: int = 0
    opens: int = 0
    clicks: int = 0
    orders: int = 0
    revenue_fen: int = 0
    buyers: set[int] = field(default_factory=set)

    @property
    def converted(self) -> int:
        return len(self.buyers)

    @property
    def rate(self) -> float:
        return self.converted / self.recipients if self.recipients else 0.0


def _attribute(
    rows: dict[Key, Row], since: datetime | None, window: timedelta, touch: str, per_variant: bool
) -> None:
    opens = LinkOpen.objects.exclude(customer=None)
    if since is not None:
        opens = opens.filter(opened_at__gte=since)
    by_customer: dict[int, list[tuple[datetime, Key]]] = defaultdict(list)
    for customer_id, material_id, variant_id, at in opens.values_list(
        "customer_id", "material_id", "variant_id", "opened_at"
    ):
        by_customer[customer_id].append((at, (material_id, variant_id)))
    ids = sorted(by_customer)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        first = min(t for c in chunk for t, _k in by_customer[c])
        orders = Order.objects.filter(customer_id__in=chunk, paid_at__gte=first).values_list(
            "customer_id", "paid_at", "paid_fen", "refunded_fen"
        )
        for customer_id, paid_at, paid, refunded in orders:
            before = [(t, k) for t, k in by_customer[customer_id] if t <= paid_at < t + window]
            if not before:
                continue
            _at, key = max(before) if touch == Touch.LAST else min(before)
            row = rows.get(key if per_variant else (key[0], None))
            if row is None:
                continue
            row.orders += 1
            row.revenue_fen += paid - refunded
            row.buyers.add(customer_id)


def conversion(
    *,
    per_variant: bool = False,
    material_id: int | None = None,
    days: int | None = None,
    touch: str = Touch.LAST,
    since: datetime | None = None,
) -> list[Row]:
    """One row per material (or per material and variant), sends since ``since``."""
    window = timedelta(days=days or settings.SIYU_CONTENT_ATTRIBUTION_DAYS)
    materials = Material.objects.all()
    if material_id is not None:
        materials = materials.filter(pk=material_id)
    titles = dict(materials.values_list("pk", "title"))
    names = dict(MaterialVariant.objects.filter(material_id__in=titles).values_list("pk", "name"))
    rows: dict[Key, Row] = {}

    def row(mid: int, vid: int | None) -> Row | None:
        if mid not in titles:
            return None
        key = (mid, vid if per_variant else None)
        if key not in rows:
            rows[key] = Row(mid, titles[mid], key[1], names.get(key[1] or 0, ""))
        return rows[key]

    sends = ContentSend.objects.filter(material_id__in=titles)
    if since is not None:
        sends = sends.filter(sent_at__gte=since)
    for mid, vid, n, known in (
        sends.values_list("material_id", "variant_id")
        .annotate(n=Count("pk"), known=Count("customer_id"))
        .order_by()
    ):
        if (r := row(mid, vid)) is not None:
            r.sends += n
            r.recipients += known
    viewers = LinkViewer.objects.filter(link__material_id__in=titles)
    for mid, vid, n, opens, clicks in (
        viewers.values_list(F("link__material_id"), F("link__variant_id"))
        .annotate(n=Count("pk"), o=Sum("opens"), c=Sum("clicks"))
        .order_by()
    ):
        if (r := row(mid, vid)) is not None:
            r.readers, r.opens, r.clicks = r.readers + n, r.opens + opens, r.clicks + clicks
    _attribute(rows, since, window, touch, per_variant)
    return sorted(rows.values(), key=lambda r: (-r.revenue_fen, -r.opens, r.material_id))


def best_and_worst(
    rows: list[Row], n: int = 3, min_recipients: int = 1
) -> tuple[list[Row], list[Row]]:
    ranked = sorted(
        (r for r in rows if r.recipients >= min_recipients),
        key=lambda r: (-r.rate, -r.revenue_fen, r.material_id),
    )
    # Never the same material in both lists: the top half at most is "best".
    k = min(n, (len(ranked) + 1) // 2)
    return ranked[:k], list(reversed(ranked[k:][-n:]))
