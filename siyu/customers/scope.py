"""Who may see which customers. Every console page and API read starts here, so the rule
lives in the query layer and cannot be forgotten by a view.

A customer's store (``Customer.org_unit``) is the primary owner's store: it moves with the
owner when a customer is transferred or the owner stops following (``follows.py``), so a
store manager sees exactly the customers their staff look after. Sales staff see the
customers they follow themselves, whether or not they are the primary owner.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from siyu.core.models import Staff
from siyu.core.roles import User, scoped
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus


def _followed_by(staff: Staff) -> Exists:
    return Exists(
        CustomerFollow.objects.filter(
            customer_id=OuterRef("pk"), staff_id=staff.pk, ended_at__isnull=True
        )
    )


def visible_customers(user: User | None) -> QuerySet[Customer]:
    """Active profiles the user may see: admins and operators all, store managers their
    store's subtree, sales staff only the customers they follow."""
    base = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    return scoped(base, user, unit_path="org_unit__path", own=_followed_by)
