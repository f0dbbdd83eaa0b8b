"""Who may see which customers. Every console page and API read starts here, so the rule
lives in the query layer and cannot be forgotten by a view."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, OuterRef, QuerySet

from siyu.core.models import Role, Staff
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus


def staff_of(user: AbstractBaseUser | AnonymousUser) -> Staff | None:
    if not user.is_authenticated:
        return None
    return Staff.objects.select_related("org_unit").filter(user_id=user.pk, is_active=True).first()


def visible_customers(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Customer]:
    """Active profiles the user may see: admins and operators all, store managers their
    store's subtree, sales staff only the customers they follow."""
    base = Customer.objects.filter(status=CustomerStatus.ACTIVE)
    staff = staff_of(user)
    if staff is None:
        return base.none()
    if staff.role in (Role.ADMIN, Role.OPERATOR):
        return base
    if staff.role == Role.STORE_MANAGER:
        return base.filter(org_unit__path__startswith=staff.org_unit.path)
    follows = CustomerFollow.objects.filter(
        customer_id=OuterRef("pk"), staff_id=staff.pk, ended_at__isnull=True
    )
    return base.filter(Exists(follows))
