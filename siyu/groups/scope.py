"""Which customer groups a console user sees: the role-scoping rule of ``core.roles``
applied through each group's owner — HQ the whole brand, a store manager the groups owned
by staff of his store's subtree, a sales rep the groups she owns."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from siyu.core.models import Staff
from siyu.core.roles import HQ_ROLES, User, current_staff, scoped
from siyu.groups.models import GroupChat


def visible_groups(user: User | None) -> QuerySet[GroupChat]:
    staff = current_staff(user)
    if staff is None:
        return GroupChat.objects.none()
    if staff.role in HQ_ROLES:
        return GroupChat.objects.all()  # groups of owners Siyu does not know too
    owners = scoped(
        Staff.objects.exclude(wecom_userid=None).exclude(wecom_userid=""),
        user,
        unit_path="org_unit__path",
        own=lambda me: Q(pk=me.pk),
    )
    return GroupChat.objects.filter(owner_userid__in=owners.values("wecom_userid"))
