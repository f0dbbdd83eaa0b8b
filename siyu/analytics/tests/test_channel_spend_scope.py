"""Channel spend is never set against a scoped cohort: CAC and ROI appear only where spend
is recorded at the viewed scope (the brand, or a unit that owns the channel)."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from siyu.analytics.channels import channel_rows, spend_scope
from siyu.analytics.periods import Period
from siyu.analytics.tests.factories import spend
from siyu.channels.models import Channel, ChannelKind
from siyu.console.tests.factories import login
from siyu.customers.models import Customer
from siyu.customers.scope import visible_customers
from siyu.demo.brand import JINGAN, Brand

pytestmark = pytest.mark.django_db
Q1 = Period(date(2025, 1, 1), date(2025, 4, 1))


def _by_channel(brand: Brand, username: str, unit_name: str | None = None) -> dict[str, object]:
    user = brand.staff[username].user
    unit = brand.stores[unit_name] if unit_name else None
    cohort = visible_customers(user)
    if unit is not None:
        cohort = cohort.filter(org_unit__path__startswith=unit.path)
    rows = channel_rows(cohort, Q1, spend_scope(user, unit))
    return {r.channel: (r.spend_fen, r.cac_fen) for r in rows}


def test_brand_spend_counts_for_the_brand_view_only(
    brand: Brand, shop: dict[str, Customer]
) -> None:
    spend("抖音", date(2025, 1, 1), date(2025, 3, 31), 60_000)
    assert _by_channel(brand, "lin.yue")["抖音"] == (60_000, 30_000.0)  # two 抖音 customers
    # The sales member's own customer (甲) is not what the brand's 抖音 spend bought.
    assert _by_channel(brand, "chen.jing")["抖音"] == (None, None)
    # Nor is the 静安 store's slice of it, for its manager or for HQ filtering by store.
    assert _by_channel(brand, "wang.qiang")["抖音"] == (None, None)
    assert _by_channel(brand, "lin.yue", JINGAN)["抖音"] == (None, None)


def test_a_units_own_channel_spend_counts_for_that_unit(
    brand: Brand, shop: dict[str, Customer]
) -> None:
    jingan = brand.stores[JINGAN]
    Channel.objects.create(name="抖音", kind=ChannelKind.STORE_POSTER, org_unit=jingan)
    spend("抖音", date(2025, 1, 1), date(2025, 3, 31), 60_000)
    assert _by_channel(brand, "wang.qiang")["抖音"] == (60_000, 30_000.0)
    assert _by_channel(brand, "lin.yue", JINGAN)["抖音"] == (60_000, 30_000.0)
    assert "抖音" not in _by_channel(brand, "manager02")  # no customers, no spend of its own


def test_the_channels_page_leaves_cac_empty_for_sales_staff(
    client: Client, brand: Brand, shop: dict[str, Customer]
) -> None:
    spend("抖音", date(2025, 1, 1), date(2025, 3, 31), 60_000)
    login(client, brand.chen_jing)
    response = client.get("/analytics/channels/?from=2025-01-01&to=2025-03-31")
    assert response.status_code == 200
    [row] = [r for r in response.context["tables"]["channels"].rows if r[0] == "抖音"]
    assert (row[1], row[3], row[6]) == ("", "", "")  # spend, CAC, ROI
    assert response.context["tables"]["budget"].rows == []
    assert response.context["spend_note"]
