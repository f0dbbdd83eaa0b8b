"""Who may use the console's brand-wide tools (tag definitions, imports)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from siyu.core.models import Role
from siyu.customers.scope import staff_of


def is_hq(user: AbstractBaseUser | AnonymousUser) -> bool:
    staff = staff_of(user)
    return staff is not None and staff.role in (Role.ADMIN, Role.OPERATOR)
