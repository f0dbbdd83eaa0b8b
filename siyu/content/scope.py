"""Which materials a staff member may use now: active, within validity, their role and org
unit (a material scoped to a region is usable in its stores)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from siyu.content.models import Material
from siyu.core.models import OrgUnit, Staff


def valid_now(at: datetime | None = None) -> Q:
    at = at or timezone.now()
    return (
        Q(is_active=True)
        & (Q(valid_from__isnull=True) | Q(valid_from__lte=at))
        & (Q(valid_until__isnull=True) | Q(valid_until__gt=at))
    )


def _ancestor_ids(unit: OrgUnit) -> list[int]:
    return [int(part) for part in unit.path.strip("/").split("/") if part.isdigit()]


def usable_materials(staff: Staff, at: datetime | None = None) -> QuerySet[Material]:
    """Materials the staff member may send now (empty scope lists mean everyone)."""
    units = _ancestor_ids(staff.org_unit) or [staff.org_unit_id]
    qs = Material.objects.filter(valid_now(at))
    scoped_elsewhere = Material.org_units.through.objects.values("material_id")
    in_unit = Material.org_units.through.objects.filter(orgunit_id__in=units).values("material_id")
    qs = qs.filter(~Q(pk__in=scoped_elsewhere) | Q(pk__in=in_unit))
    return qs.filter(Q(roles="") | Q(roles__contains=f",{staff.role},"))
