"""Which referrals a console user sees: those whose inviter is a customer the user may see
(``customers.scope.visible_customers``: HQ the brand, a store manager his store's
customers, a sales rep the customers she follows) or a staff member of the user's reach
(a staff code). HQ's scope is ``None``: brand-wide, no filter at all."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from siyu.core.models import Staff
from siyu.core.roles import HQ_ROLES, User, current_staff, scoped
from siyu.customers.models import Customer
from siyu.customers.scope import visible_customers
from siyu.referrals.models import Referral


@dataclass(frozen=True)
class ReferralScope:
    customers: QuerySet[Customer]
    referrals: QuerySet[Referral]


def referral_scope(user: User | None) -> ReferralScope | None:
    staff = current_staff(user)
    if staff is not None and staff.role in HQ_ROLES:
        return None
    customers = visible_customers(user)
    team = scoped(Staff.objects.all(), user, unit_path="org_unit__path", own=lambda me: Q(pk=me.pk))
    referrals = Referral.objects.filter(
        Q(inviter_id__in=customers.values("pk")) | Q(inviter_staff_id__in=team.values("pk"))
    )
    return ReferralScope(customers, referrals)
