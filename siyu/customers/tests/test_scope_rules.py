"""The scope's query shapes (set-driven ``visible_customers``, row-driven ``visible_among``
and ``visible_through``) give exactly the rule written out in Python, for random mixes of
status, store, open and ended follows (hypothesis), for each role."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.core.models import OrgUnit, Role, Staff
from siyu.customers.models import Customer, CustomerFollow, CustomerStatus, Order
from siyu.customers.scope import visible_among, visible_customers, visible_through
from siyu.demo.brand import Brand

POOL = 12
FOLLOW = st.sampled_from(["none", "open", "ended"])
ROW = st.tuples(st.booleans(), st.integers(0, 3), FOLLOW, st.integers(0, 3))


def expected(staff: Staff, row: tuple[bool, OrgUnit | None, str], via_follow: bool) -> bool:
    active, unit, follow = row
    if not active:
        return False
    if staff.role in (Role.ADMIN, Role.OPERATOR):
        return True
    if staff.role == Role.STORE_MANAGER:
        return unit is not None and unit.path.startswith(staff.org_unit.path)
    return via_follow and follow == "open"


@pytest.mark.django_db
def test_every_scope_shape_is_the_written_rule(brand: Brand) -> None:
    now = timezone.now()
    pool = [Customer.objects.create(display_name=f"c{i}", created_at=now) for i in range(POOL)]
    orders = [
        Order.objects.create(
            customer=c,
            platform="miniprogram",
            order_no=f"S{c.pk}",
            total_fen=1,
            paid_fen=1,
            paid_at=now,
            created_at=now,
        )
        for c in pool
    ]
    units: list[OrgUnit | None] = [None, *list(brand.stores.values())[:3]]
    roles = [brand.lin_yue, brand.wang_qiang, brand.chen_jing]

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(ROW, min_size=POOL, max_size=POOL))
    def check(rows: list[tuple[bool, int, str, int]]) -> None:
        CustomerFollow.objects.filter(customer__in=pool).delete()
        facts: dict[int, tuple[bool, OrgUnit | None, str]] = {}
        for c, (active, unit_i, follow, days) in zip(pool, rows, strict=True):
            status = CustomerStatus.ACTIVE if active else CustomerStatus.MERGED
            unit = units[unit_i]
            Customer.objects.filter(pk=c.pk).update(
                status=status, org_unit=unit, first_seen_at=now - timedelta(days=days)
            )
            if follow != "none":
                CustomerFollow.objects.create(
                    customer=c,
                    staff=brand.chen_jing,
                    created_at=now,
                    ended_at=now if follow == "ended" else None,
                )
            facts[c.pk] = (active, unit, follow)
        recent = Customer.objects.filter(pk__in=facts, first_seen_at__gte=now - timedelta(days=1))
        for staff in roles:
            user: Any = staff.user
            want = {pk for pk, row in facts.items() if expected(staff, row, True)}
            assert (
                set(visible_customers(user).filter(pk__in=facts).values_list("pk", flat=True))
                == want
            )
            among = set(visible_among(recent, user).values_list("pk", flat=True))
            assert among == want & set(recent.values_list("pk", flat=True))
            through = visible_through(Order.objects.filter(pk__in=[o.pk for o in orders]), user)
            assert set(through.values_list("customer_id", flat=True)) == want

    check()
