"""Write paths for the organisation tree and staff."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from siyu.core.models import OrgKind, OrgUnit, Role, Staff


@transaction.atomic
def create_org_unit(name: str, kind: OrgKind | str, parent: OrgUnit | None = None) -> OrgUnit:
    unit = OrgUnit.objects.create(name=name, kind=kind, parent=parent)
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.save(update_fields=["path"])
    return unit


@transaction.atomic
def create_staff(
    username: str,
    display_name: str,
    role: Role | str,
    org_unit: OrgUnit,
    password: str | None = None,
    wecom_userid: str | None = None,
) -> Staff:
    user_model = get_user_model()
    user = user_model.objects.create_user(username=username, password=password)
    if role == Role.ADMIN:
        user.is_staff = True
        user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return Staff.objects.create(
        user=user,
        display_name=display_name,
        role=role,
        org_unit=org_unit,
        wecom_userid=wecom_userid,
    )
