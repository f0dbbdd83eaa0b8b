"""Daily quotas per staff member or per store (艾客's "each rep adds 15 new contacts a
day"). A staff member's own quota wins over her unit's; a unit's quota applies to each of
its staff and to the staff of the units under it, the nearest unit winning."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from siyu.core.models import OrgUnit, Staff
from siyu.workbench.models import Quota, QuotaMetric


class BadQuota(ValueError):
    pass


def set_quota(*, metric: str, target: int, staff: Staff | None = None,
              org_unit: OrgUnit | None = None, minutes: int = 0) -> Quota:  # fmt: skip
    """Create or change the quota of one holder (target 0 removes it)."""
    if metric not in QuotaMetric.values:
        raise BadQuota("metric")
    if (staff is None) == (org_unit is None):
        raise BadQuota("holder")
    if metric == QuotaMetric.FIRST_REPLY and not 0 < target <= 100:
        raise BadQuota("target")
    holder: dict[str, Any] = {"staff": staff} if staff is not None else {"org_unit": org_unit}
    if target == 0:
        Quota.objects.filter(metric=metric, **holder).delete()
        return Quota(metric=metric, target=0, **holder)
    quota, _ = Quota.objects.update_or_create(
        metric=metric, **holder, defaults={"target": target, "minutes": minutes}
    )
    return quota


def quotas_for(staff: Iterable[Staff]) -> dict[int, dict[str, Quota]]:
    """Per staff id, per metric, the quota that applies (staff's own, else nearest unit)."""
    people = list(staff)
    by_staff: dict[int, dict[str, Quota]] = {}
    by_unit: dict[int, dict[str, Quota]] = {}
    for q in Quota.objects.all():
        if q.staff_id is not None:
            by_staff.setdefault(q.staff_id, {})[q.metric] = q
        elif q.org_unit_id is not None:
            by_unit.setdefault(q.org_unit_id, {})[q.metric] = q
    result: dict[int, dict[str, Quota]] = {}
    for person in people:
        mine: dict[str, Quota] = {}
        # The unit path "/1/4/9/" lists the ancestors, brand first: nearest wins.
        for unit_id in [int(p) for p in person.org_unit.path.strip("/").split("/") if p]:
            mine.update(by_unit.get(unit_id, {}))
        mine.update(by_staff.get(person.pk, {}))
        result[person.pk] = mine
    return result
