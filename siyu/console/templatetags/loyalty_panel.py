"""The 360 page's loyalty panel: ``{% loyalty_ledger customer %}`` (one line in the 360
template) shows balance, pending, tier and the latest ledger entries."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from siyu.analytics.tables import yuan
from siyu.loyalty.perks import perks_of
from siyu.loyalty.queries import ledger_page, points_summary

register = template.Library()


@register.filter
def fen_as_yuan(fen: int | None) -> str:
    return yuan(fen)


@register.inclusion_tag("console/loyalty/_ledger.html")
def loyalty_ledger(customer: Any) -> dict[str, Any]:
    now = timezone.now()
    return {
        "points": points_summary(customer.pk, now),
        "perks": perks_of(customer.pk, now),
        "entries": ledger_page(customer.pk, limit=10),
    }
