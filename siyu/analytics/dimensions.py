"""The dimensions metrics are cut by: channel (first channel tag) and org unit.

Channel is, for now, the customer's tag in the tag group "渠道"; when a customer carries
several, the first one given wins (first-touch attribution). When channels get their own app
this module is the one place to change.
"""

from __future__ import annotations

from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from siyu.core.models import OrgUnit
from siyu.customers.models import Customer, CustomerTag

CHANNEL_GROUP = "渠道"
NO_CHANNEL = ""  # customers with no channel tag are reported under this key


def first_channel(customer_ref: str = "pk") -> Subquery:
    """Subquery giving the customer's first channel tag name (NULL when none)."""
    tags = CustomerTag.objects.filter(
        customer_id=OuterRef(customer_ref), tag__group__name=CHANNEL_GROUP
    ).order_by("created_at", "id")
    return Subquery(tags.values("tag__name")[:1])


def with_channel(customers: QuerySet[Customer]) -> QuerySet[Any]:
    # Typed loosely: the annotation is not a model field, so django-stubs cannot see it.
    return customers.annotate(channel=first_channel())


def in_org_unit(customers: QuerySet[Customer], unit: OrgUnit | None) -> QuerySet[Customer]:
    """Customers of ``unit`` and everything under it (materialised path prefix)."""
    if unit is None:
        return customers
    return customers.filter(org_unit__path__startswith=unit.path)


def child_units(unit: OrgUnit | None) -> list[OrgUnit]:
    """The units a breakdown under ``unit`` shows: its children, or the top level."""
    if unit is None:
        return list(OrgUnit.objects.filter(parent__isnull=True))
    return list(OrgUnit.objects.filter(parent=unit))


def rollup_unit(path: str | None, units: list[OrgUnit]) -> OrgUnit | None:
    """The unit in ``units`` whose subtree contains ``path``."""
    if not path:
        return None
    for unit in units:
        if path.startswith(unit.path):
            return unit
    return None
