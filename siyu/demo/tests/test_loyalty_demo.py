"""The demo's loyalty program: 赵蕾 has earned from her orders (not from her shares), has
a tier, a week's check-in streak and a mug on its way."""

from __future__ import annotations

import pytest

from siyu.customers.models import Customer, CustomerStatus
from siyu.demo.catalog import DEFAULT_NOW
from siyu.demo.simulate import simulate
from siyu.loyalty.ledger import balance
from siyu.loyalty.models import CheckIn, LedgerEntry, PointsBucket, Redemption, Tier
from siyu.loyalty.perks import current_tier

pytestmark = pytest.mark.django_db


def test_zhao_leis_ledger_tells_her_story() -> None:
    simulate(40, seed=7, verb_people=40)
    zhao = Customer.objects.get(display_name="赵蕾", status=CustomerStatus.ACTIVE)
    assert Tier.objects.count() == 3
    sources = set(PointsBucket.objects.filter(customer=zhao).values_list("source", flat=True))
    assert sources == {"order", "checkin", "streak"}  # her shares earn nothing
    assert CheckIn.objects.filter(customer=zhao).order_by("-day").first().streak == 7  # type: ignore[union-attr]
    assert Redemption.objects.get(customer=zhao).status == "shipped"
    assert balance(zhao.pk, DEFAULT_NOW) > 0
    tier = current_tier(zhao.pk)
    assert tier is not None
    assert LedgerEntry.objects.filter(customer=zhao, kind="spend").count() == 1
