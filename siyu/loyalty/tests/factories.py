"""Small builders for loyalty tests."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

from django.utils import timezone

from siyu.customers.models import Customer
from siyu.loyalty.ledger import Award, award_points
from siyu.loyalty.models import EarningRule, PointsBucket, RuleKind, Status

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai, a Monday
_seq = itertools.count(1)


def make_person(name: str = "") -> Customer:
    return Customer.objects.create(display_name=name or f"p{next(_seq)}", created_at=timezone.now())


def give(customer: Customer, points: int, *, at: datetime = T0, days: int = 365, pending: int = 0,
         source_id: str = "", basis_fen: int = 0, source: str = "manual") -> PointsBucket:  # fmt: skip
    award = Award(
        rule="test", source=source, source_id=source_id or f"s{next(_seq)}", points=points,
        pending_days=pending, valid_days=days, basis_fen=basis_fen,
    )  # fmt: skip
    return award_points(customer.pk, award, at=at)


def make_rule(kind: RuleKind = RuleKind.PURCHASE, **fields: object) -> EarningRule:
    defaults: dict[str, object] = {"name": f"rule {kind}", "kind": kind, "status": Status.ACTIVE}
    if kind == RuleKind.PURCHASE:
        defaults["points_per_yuan"] = 1
    else:
        defaults["points"] = 10
    defaults.update(fields)
    return EarningRule.objects.create(**defaults)
