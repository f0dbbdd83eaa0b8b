"""Who may see which customers. Every console page and API read starts here, so the rule
lives in the query layer and cannot be forgotten by a view.

A customer's store (``Customer.org_unit``) is the primary owner's store: it moves with the
owner when a customer is transferred or the owner stops following (``follows.py``), so a
store manager sees exactly the customers their staff look after. Sales staff see the
customers they follow themselves, whether or not they are the primary owner.

Sales scope starts from the rep's own open follows (a join from her partial index of open
follows) instead of asking every customer row whether she follows it: the cost grows with
her contacts, not with the brand.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet

from siyu.core.models import Staff
from siyu.core.roles import User, scoped
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus

M = TypeVar("M", bound=Model)


def visible_customers(user: User | None) -> QuerySet[Customer]:
    """Active profiles the user may see: admins and operators all, store managers their
    store's subtree, sales staff only the customers they follow."""
    base = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    return scoped(
        base,
        user,
        unit_path="org_unit__path",
        unit_id="org_unit_id",
        own=_follow_join,
    )


def _follow_join(staff: Staff) -> Q:
    # A join on the open follow, not ``id IN (follows)``: SQLite builds an IN list in
    # full before the first row, while the join streams from the rep's follow index, so a
    # bounded count or a first page stops early. One row per customer: a (customer, staff)
    # follow is unique.
    return Q(follows__staff_id=staff.pk, follows__ended_at__isnull=True)


def _follows_row(staff: Staff, customer_ref: str) -> Exists:
    return Exists(
        CustomerFollow.objects.filter(
            customer_id=OuterRef(customer_ref), staff_id=staff.pk, ended_at__isnull=True
        )
    )


def visible_among(rows: QuerySet[Customer], user: User | None) -> QuerySet[Customer]:
    """``visible_customers`` for a query already narrowed by its own index (the day's new
    customers): row-driven, each row's follow is looked up by key instead of the rep's
    whole follow list (150k contacts of a busy rep) being read first."""
    active = rows.filter(status=CustomerStatus.ACTIVE)
    return scoped(
        active, user, unit_path="org_unit__path", own=lambda staff: _follows_row(staff, "pk")
    )


def visible_through(rows: QuerySet[M], user: User | None, via: str = "customer") -> QuerySet[M]:
    """``rows`` (orders, welcomes …) whose customer, reached through the foreign key
    ``via``, is one ``visible_customers`` gives; row-driven like ``visible_among``."""
    active = rows.filter(**{f"{via}__status": CustomerStatus.ACTIVE})
    return scoped(
        active,
        user,
        unit_path=f"{via}__org_unit__path",
        own=lambda staff: _follows_row(staff, f"{via}_id"),
    )
