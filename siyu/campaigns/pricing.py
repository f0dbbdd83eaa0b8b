"""Prices inside windows: limited-time discounts and early-bird prices of a SKU, add-ons at
a special price above a threshold (加价购), and scene bundles (a camping kit).

Rules, in order: a line's unit price is the lowest of its list price and every limited /
early-bird window open at that instant (windows are half-open, [starts, ends)); then each
complete set of a bundle's SKUs is priced at the bundle price when that is lower than the
set's line prices; an add-on SKU gets its special price (one unit) when the rest of the
cart, after windows and bundles, reaches its threshold. Coupons apply after all of this
(discounts.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from siyu.campaigns.models import Bundle, PriceWindow, WindowKind


@dataclass(frozen=True)
class Line:
    sku: str
    quantity: int
    list_price_fen: int


@dataclass
class Priced:
    goods_fen: int
    lines: dict[str, int]  # sku -> unit price after windows
    bundles: list[str] = field(default_factory=list)
    add_ons: list[str] = field(default_factory=list)


def _open_at(at: datetime) -> Q:
    return Q(starts_at__lte=at, ends_at__gt=at)


def window_prices(skus: Sequence[str], at: datetime) -> dict[str, int]:
    rows = PriceWindow.objects.filter(
        _open_at(at), sku__in=skus, kind__in=[WindowKind.LIMITED, WindowKind.EARLY_BIRD]
    )
    best: dict[str, int] = {}
    for sku, price in rows.values_list("sku", "price_fen"):
        best[sku] = min(price, best.get(sku, price))
    return best


def _apply_bundles(units: dict[str, int], qty: dict[str, int], at: datetime, out: Priced) -> int:
    saved = 0
    open_bundles = Bundle.objects.filter(
        (Q(starts_at__isnull=True) | Q(starts_at__lte=at))
        & (Q(ends_at__isnull=True) | Q(ends_at__gt=at))
    )
    for bundle in open_bundles.order_by("pk"):
        skus = [str(s) for s in bundle.skus]
        if not skus or any(s not in qty for s in skus):
            continue
        sets = min(qty[s] for s in skus)
        separate = sum(units[s] for s in skus)
        if sets and bundle.price_fen < separate:
            for s in skus:
                qty[s] -= sets
            saved += sets * (separate - bundle.price_fen)
            out.bundles.append(bundle.name)
    return saved


def price_cart(lines: Sequence[Line], at: datetime) -> Priced:
    windows = window_prices([ln.sku for ln in lines], at)
    units = {ln.sku: min(ln.list_price_fen, windows.get(ln.sku, ln.list_price_fen)) for ln in lines}
    qty = {ln.sku: ln.quantity for ln in lines}
    out = Priced(goods_fen=0, lines=dict(units))
    total = sum(units[ln.sku] * ln.quantity for ln in lines)
    total -= _apply_bundles(units, dict(qty), at, out)
    add_ons = PriceWindow.objects.filter(_open_at(at), kind=WindowKind.ADD_ON, sku__in=list(qty))
    for offer in add_ons.order_by("threshold_fen", "pk"):
        rest = total - units[offer.sku] * qty[offer.sku]
        if rest >= offer.threshold_fen and offer.price_fen < units[offer.sku]:
            total -= units[offer.sku] - offer.price_fen
            out.add_ons.append(offer.sku)
    out.goods_fen = total
    return out
