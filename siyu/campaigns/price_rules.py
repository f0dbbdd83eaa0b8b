"""Writing the price rules checkout applies (pricing.py): limited-time and early-bird
prices, add-ons at a special price above a threshold (加价购), and scene bundles."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from siyu.campaigns.models import Bundle, PriceWindow, WindowKind

MAX_BUNDLE_SKUS = 20


class PriceRuleInvalid(ValueError):
    pass


@transaction.atomic
def add_price_window(
    kind: str,
    sku: str,
    price_fen: int,
    starts_at: datetime,
    ends_at: datetime,
    *,
    threshold_fen: int = 0,
) -> PriceWindow:
    if kind not in WindowKind.values:
        raise PriceRuleInvalid(_("Unknown kind of price."))
    if not sku.strip():
        raise PriceRuleInvalid(_("Name the SKU the price is for."))
    if ends_at <= starts_at:
        raise PriceRuleInvalid(_("The window must end after it starts."))
    if price_fen < 0 or threshold_fen < 0:
        raise PriceRuleInvalid(_("Prices cannot be negative."))
    if kind != WindowKind.ADD_ON:
        threshold_fen = 0
    return PriceWindow.objects.create(
        kind=kind,
        sku=sku.strip(),
        price_fen=price_fen,
        threshold_fen=threshold_fen,
        starts_at=starts_at,
        ends_at=ends_at,
    )


@transaction.atomic
def add_bundle(
    name: str,
    skus: Sequence[str],
    price_fen: int,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
) -> Bundle:
    clean = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
    if len(clean) < 2 or len(clean) > MAX_BUNDLE_SKUS:
        raise PriceRuleInvalid(_("A bundle holds 2 to 20 different SKUs."))
    if price_fen < 0:
        raise PriceRuleInvalid(_("Prices cannot be negative."))
    if starts_at and ends_at and ends_at <= starts_at:
        raise PriceRuleInvalid(_("The window must end after it starts."))
    return Bundle.objects.create(
        name=name.strip()[:100],
        skus=clean,
        price_fen=price_fen,
        starts_at=starts_at,
        ends_at=ends_at,
    )


def remove_price_window(pk: int) -> bool:
    return bool(PriceWindow.objects.filter(pk=pk).delete()[0])


def remove_bundle(pk: int) -> bool:
    return bool(Bundle.objects.filter(pk=pk).delete()[0])
