"""The coupons panel of the 360 page: ``{% load campaign_panels %}{% coupons_panel customer %}``."""

from __future__ import annotations

from typing import Any

from django import template

from siyu.campaigns.queries import coupons_of

register = template.Library()


@register.inclusion_tag("console/campaigns/_coupons_panel.html")
def coupons_panel(customer: Any) -> dict[str, Any]:
    return {"coupons": coupons_of(customer.pk, limit=20)}
