"""The board (看板) per staff member, store or region over whole brand days: contacts
added, tasks done and gone overdue, customers converted (first paid order in the period),
GMV of the customers they own, unfollow rate (掉粉率: follows ended over follows held at
the start plus those added) and quota attainment. One grouped query per figure, whatever
the number of staff; the user's role scopes the staff (a rep herself, a manager his
store, HQ all).

First reply within N minutes needs the chat archive (会话存档), which Siyu does not read
yet: its attainment is shown as "no data", never as 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from siyu.analytics.gmv import ORDER_AGGREGATES
from siyu.analytics.periods import Period
from siyu.core.models import OrgKind, OrgUnit, Staff
from siyu.core.roles import User, scoped
from siyu.customers.models import CustomerFollow, Order
from siyu.workbench.models import QuotaMetric, Task, TaskState
from siyu.workbench.quotas import quotas_for

Grouping = Literal["staff", "store", "region"]
GROUPINGS: tuple[Grouping, ...] = ("staff", "store", "region")
TARGETED = (QuotaMetric.NEW_CONTACTS, QuotaMetric.TASKS_DONE)


@dataclass
class BoardRow:
    key: int
    label: str
    unit: str = ""
    staff: int = 0
    added: int = 0
    ended: int = 0
    held: int = 0
    done: int = 0
    overdue: int = 0
    converted: int = 0
    gmv_fen: int = 0
    targets: dict[str, int] = field(default_factory=dict)

    @property
    def unfollow_rate(self) -> float | None:
        base = self.held + self.added
        return self.ended / base if base else None

    def actual(self, metric: str) -> int:
        return self.added if metric == QuotaMetric.NEW_CONTACTS else self.done

    def attainment(self, metric: str) -> float | None:
        target = self.targets.get(metric, 0)
        return self.actual(metric) / target if target else None

    @property
    def overall(self) -> float | None:
        """The mean attainment of the quotas that apply (None: no quota)."""
        found = [a for m in TARGETED if (a := self.attainment(m)) is not None]
        return sum(found) / len(found) if found else None

    def add(self, other: BoardRow) -> None:
        for name in ("staff", "added", "ended", "held", "done", "overdue", "converted", "gmv_fen"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for metric, target in other.targets.items():
            self.targets[metric] = self.targets.get(metric, 0) + target


def visible_staff(user: User | None) -> QuerySet[Staff]:
    return scoped(
        Staff.objects.filter(is_active=True),
        user,
        unit_path="org_unit__path",
        own=lambda staff: Q(pk=staff.pk),
    )


def _counts(rows: QuerySet[Any], key: str) -> dict[int, int]:
    return {k: n for k, n in rows.values_list(key).annotate(n=Count("pk")).order_by() if k}


def _follow_figures(ids: list[int], period: Period) -> tuple[dict[int, int], ...]:
    follows = CustomerFollow.objects.filter(staff_id__in=ids)
    start, end = period.start_at, period.end_at
    added = _counts(follows.filter(created_at__gte=start, created_at__lt=end), "staff_id")
    ended = _counts(follows.filter(ended_at__gte=start, ended_at__lt=end), "staff_id")
    held = _counts(
        follows.filter(Q(ended_at__isnull=True) | Q(ended_at__gte=start), created_at__lt=start),
        "staff_id",
    )
    return added, ended, held


def _task_figures(ids: list[int], period: Period) -> tuple[dict[int, int], dict[int, int]]:
    tasks = Task.objects.filter(staff_id__in=ids)
    start, end = period.start_at, period.end_at
    done = tasks.filter(state=TaskState.DONE, closed_at__gte=start, closed_at__lt=end)
    overdue = tasks.filter(overdue_at__gte=start, overdue_at__lt=end)
    return _counts(done, "staff_id"), _counts(overdue, "staff_id")


def _order_figures(ids: list[int], period: Period) -> tuple[dict[int, int], dict[int, int]]:
    orders = Order.objects.filter(
        customer__primary_owner_id__in=ids,
        paid_at__gte=period.start_at,
        paid_at__lt=period.end_at,
    )
    gmv = {
        k: int(v or 0)
        for k, v in orders.values_list("customer__primary_owner_id")
        .annotate(g=Coalesce(ORDER_AGGREGATES["gmv"], 0))
        .order_by()
    }
    earlier = Order.objects.filter(customer_id=OuterRef("customer_id"), paid_at__lt=period.start_at)
    first = orders.filter(~Exists(earlier), paid_fen__gt=0)
    converted = dict(
        first.values_list("customer__primary_owner_id")
        .annotate(n=Count("customer_id", distinct=True))
        .order_by()
    )
    return converted, gmv


def staff_rows(staff: Iterable[Staff], period: Period) -> list[BoardRow]:
    people = list(staff)
    ids = [s.pk for s in people]
    added, ended, held = _follow_figures(ids, period)
    done, overdue = _task_figures(ids, period)
    converted, gmv = _order_figures(ids, period)
    quotas = quotas_for(people)
    rows = []
    for s in people:
        targets = {
            m: q.target * period.days for m, q in quotas.get(s.pk, {}).items() if m in TARGETED
        }
        rows.append(
            BoardRow(
                key=s.pk,
                label=s.display_name,
                unit=s.org_unit.name,
                staff=1,
                added=added.get(s.pk, 0),
                ended=ended.get(s.pk, 0),
                held=held.get(s.pk, 0),
                done=done.get(s.pk, 0),
                overdue=overdue.get(s.pk, 0),
                converted=converted.get(s.pk, 0),
                gmv_fen=gmv.get(s.pk, 0),
                targets=targets,
            )
        )
    return rows


def _group_unit(unit_path: str, units: dict[int, OrgUnit], kind: str) -> OrgUnit | None:
    for part in reversed(unit_path.strip("/").split("/")):
        unit = units.get(int(part)) if part else None
        if unit is not None and unit.kind == kind:
            return unit
    return None


def board(user: User | None, period: Period, grouping: Grouping = "staff") -> list[BoardRow]:
    people = list(visible_staff(user).select_related("org_unit").order_by("org_unit__path", "pk"))
    rows = staff_rows(people, period)
    if grouping == "staff":
        return rows
    kind = OrgKind.STORE if grouping == "store" else OrgKind.REGION
    units = {u.pk: u for u in OrgUnit.objects.filter(kind=kind)}
    groups: dict[int, BoardRow] = {}
    for person, row in zip(people, rows, strict=True):
        unit = _group_unit(person.org_unit.path, units, kind)
        if unit is None:
            continue
        group = groups.setdefault(unit.pk, BoardRow(key=unit.pk, label=unit.name))
        group.add(row)
    return sorted(groups.values(), key=lambda r: r.label)
