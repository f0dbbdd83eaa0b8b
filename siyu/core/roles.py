"""Who the signed-in user is as staff, and how far their role reaches in the org tree.

The one role-scoping rule, applied to every kind of row a page lists (customers, staff,
org units): administrators and operators see the whole brand, store managers their unit's
subtree, sales staff only their own rows. Each caller says which field holds the row's
unit path and, for sales staff, what "their own" means.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Exists, Model, Q, QuerySet

from siyu.core.models import OrgUnit, Role, Staff

HQ_ROLES = (Role.ADMIN, Role.OPERATOR)
M = TypeVar("M", bound=Model)
User = AbstractBaseUser | AnonymousUser


def current_staff(user: User | None) -> Staff | None:
    """The user's active staff row, through the cached one-to-one accessor, so the layout
    and the page it wraps share one query."""
    if user is None or not user.is_authenticated:
        return None
    try:
        staff: Staff | None = user.staff  # type: ignore[attr-defined]
    except (Staff.DoesNotExist, AttributeError):
        return None
    return staff if staff is not None and staff.is_active else None


def is_hq(user: User | None) -> bool:
    """Brand-wide tools (tag definitions, imports, review, thresholds) are HQ's."""
    staff = current_staff(user)
    return staff is not None and staff.role in HQ_ROLES


def scoped(
    rows: QuerySet[M],
    user: User | None,
    *,
    unit_path: str,
    own: Callable[[Staff], Q | Exists] | None = None,
    unit_id: str | None = None,
) -> QuerySet[M]:
    """``rows`` narrowed to what the user's role reaches. ``unit_path`` is the lookup of
    the row's org-unit path (``org_unit__path``, ``path``); ``own`` the condition for a
    sales member's own rows (None: their unit's subtree, as for a manager). ``unit_id``,
    when given, is the lookup of the row's org-unit id: the subtree is then matched as
    ``unit_id IN (the subtree's units)``, which an index on the row's unit serves, instead
    of a join on the path."""
    staff = current_staff(user)
    if staff is None:
        return rows.none()
    if staff.role in HQ_ROLES:
        return rows
    if staff.role == Role.STORE_MANAGER or own is None:
        if unit_id is not None:
            units = OrgUnit.objects.filter(path__startswith=staff.org_unit.path).values("pk")
            return rows.filter(**{f"{unit_id}__in": units})
        return rows.filter(**{f"{unit_path}__startswith": staff.org_unit.path})
    return rows.filter(own(staff))
