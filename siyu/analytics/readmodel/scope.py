"""Which rows of the read model a viewer's scope covers. The read model knows each
customer's org unit, so the scopes made of org-unit subtrees (HQ, a unit chosen on the
page, a store manager's store) are a filter on it; a sales member's scope (the customers
they follow) is not, and those pages read the ORM reference, whose scope is small."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from siyu.core.models import OrgUnit, Role
from siyu.core.roles import HQ_ROLES, User, current_staff

EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True)
class Filter:
    units: tuple[int, ...] | None  # org unit ids covered; None: every customer

    def sql(self, alias: str = "") -> str:
        """The condition on a table's ``unit`` column (``alias``: "o." for a joined one)."""
        if self.units is None:
            return "1 = 1"
        if not self.units:
            return "1 = 0"
        return f"{alias}unit IN ({', '.join(str(int(u)) for u in self.units)})"


def _subtree(path: str) -> tuple[int, ...]:
    return tuple(OrgUnit.objects.filter(path__startswith=path).values_list("pk", flat=True))


def read_filter(user: User | None, unit: OrgUnit | None) -> Filter | None:
    """The filter of ``user``'s visible customers narrowed to ``unit``; None when the
    scope is not a set of org units (a sales member's own customers)."""
    staff = current_staff(user)
    if staff is None:
        return Filter(())
    paths = [] if unit is None else [unit.path]
    if staff.role not in HQ_ROLES:
        if staff.role != Role.STORE_MANAGER:
            return None
        paths.append(staff.org_unit.path)
    if not paths:
        return Filter(None)
    deepest = max(paths, key=len)
    # Both prefixes hold only when one path contains the other.
    if not all(deepest.startswith(p) for p in paths):
        return Filter(())
    return Filter(_subtree(deepest))


def day_number(day: date) -> int:
    return (day - EPOCH_DAY).days


def month_number(day: date) -> int:
    return day.year * 12 + day.month - 1


def month_date(number: int) -> date:
    year, month = divmod(int(number), 12)
    return date(year, month + 1, 1)
