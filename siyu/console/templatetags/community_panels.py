"""The 360 page's groups panel: ``{% load community_panels %}{% groups_panel customer %}``."""

from __future__ import annotations

from typing import Any

from django import template

from siyu.community.queries import customer_groups

register = template.Library()


@register.inclusion_tag("console/community/_groups_panel.html")
def groups_panel(customer: Any) -> dict[str, Any]:
    return {"groups": customer_groups(customer.pk)}
