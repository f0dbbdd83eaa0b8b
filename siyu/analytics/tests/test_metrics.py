"""Metrics against the hand-worked shop in conftest.py (amounts in fen)."""

from __future__ import annotations

from datetime import date

import pytest

from siyu.analytics.activity import health
from siyu.analytics.channels import channel_rows, suggest_budget
from siyu.analytics.cohorts import cohort_curves
from siyu.analytics.gmv import GmvFactors, gmv_change, gmv_factors, gmv_factors_by
from siyu.analytics.lifecycle import current_stage
from siyu.analytics.periods import Period
from siyu.analytics.tests.factories import spend
from siyu.channels.models import ChannelSpend
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
FEB = Period(date(2025, 2, 1), date(2025, 3, 1))
MAR = Period(date(2025, 3, 1), date(2025, 4, 1))
Q1 = Period(date(2025, 1, 1), date(2025, 4, 1))


def everyone() -> object:
    return Customer.objects.all()


def test_gmv_factors_per_period_are_net_of_refunds(shop: dict[str, Customer]) -> None:
    assert gmv_factors(Customer.objects.all(), FEB) == GmvFactors(2, 1, 1, 10000)
    march = gmv_factors(Customer.objects.all(), MAR)
    assert march == GmvFactors(3, 2, 3, 55000)  # 200 + (100 - 50) + 300 yuan
    assert march.conversion == pytest.approx(2 / 3)
    assert march.frequency == pytest.approx(1.5)
    assert march.aov_fen == pytest.approx(55000 / 3)


def test_change_splits_exactly_into_the_four_factors(shop: dict[str, Customer]) -> None:
    change = gmv_change(Customer.objects.all(), MAR, FEB)
    assert change.change_fen == 45000
    assert sum(p.share_fen for p in change.parts) == 45000
    assert sum(p.share for p in change.parts) == pytest.approx(45000)
    assert [p.name for p in change.parts] == ["users", "conversion", "aov", "frequency"]
    assert all(p.share > 0 for p in change.parts)  # every factor grew


def test_factors_by_channel_and_by_org_unit(shop: dict[str, Customer], brand: Brand) -> None:
    by_channel = gmv_factors_by(Customer.objects.all(), MAR, "channel")
    assert by_channel == {"小红书": GmvFactors(1, 1, 1, 30000), "抖音": GmvFactors(2, 1, 2, 25000)}
    by_region = gmv_factors_by(Customer.objects.all(), MAR, "org_unit", brand.brand)
    assert by_region == {"华东区": GmvFactors(2, 1, 2, 25000), "华北区": GmvFactors(1, 1, 1, 30000)}


def test_channel_cac_roi_payback_and_budget(shop: dict[str, Customer]) -> None:
    spend("抖音", date(2025, 1, 1), date(2025, 3, 31), 60000)
    spend("小红书", date(2025, 2, 1), date(2025, 2, 28), 10000)
    spend("小红书", date(2025, 2, 1), date(2025, 2, 28), 10000)
    assert ChannelSpend.objects.count() == 2  # recording the same invoice twice changes nothing
    rows = {r.channel: r for r in channel_rows(Customer.objects.all(), Q1)}
    douyin, xhs = rows["抖音"], rows["小红书"]
    assert (douyin.new_customers, douyin.cac_fen, douyin.conversion) == (2, 30000, 0.5)
    assert douyin.revenue_fen == 35000
    assert douyin.roi == pytest.approx(-25000 / 60000)
    assert douyin.payback_months is None
    assert (xhs.cac_fen, xhs.conversion, xhs.revenue_fen, xhs.roi) == (10000, 1.0, 30000, 2.0)
    assert xhs.payback_months == 2  # acquired in February, paid back by the March order
    budget = {b.channel: b for b in suggest_budget(list(rows.values()))}
    assert budget["抖音"].suggested_fen == 48000
    assert budget["小红书"].suggested_fen == 22000
    assert sum(b.suggested_fen for b in budget.values()) == 70000


def test_spend_straddling_the_period_counts_pro_rata(shop: dict[str, Customer]) -> None:
    spend("抖音", date(2025, 3, 1), date(2025, 3, 31), 31000)
    half = Period(date(2025, 3, 1), date(2025, 3, 16))
    assert {r.channel: r.spend_fen for r in channel_rows(Customer.objects.all(), half)}[
        "抖音"
    ] == 15000


def test_cohort_retention_and_repurchase_curves(shop: dict[str, Customer]) -> None:
    cohorts = cohort_curves(Customer.objects.all(), until=date(2025, 3, 31))
    assert [(c.month, c.size) for c in cohorts] == [
        (date(2025, 1, 1), 1),
        (date(2025, 2, 1), 1),
        (date(2025, 3, 1), 1),
    ]
    assert cohorts[0].retention == [0.0, 1.0, 1.0]
    assert cohorts[0].repurchase == [0.0, 0.0, 1.0]  # second order in March
    assert cohorts[1].retention == [0.0, 1.0]
    assert cohorts[2].retention == [0.0]
    only_xhs = cohort_curves(Customer.objects.all(), channel="小红书", until=date(2025, 3, 31))
    assert [c.month for c in only_xhs] == [date(2025, 2, 1)]


def test_health_metrics_for_march(shop: dict[str, Customer]) -> None:
    h = health(Customer.objects.all(), MAR)
    assert (h.customers, h.new_customers, h.buyers, h.paying_customers) == (3, 1, 2, 2)
    assert h.gmv_fen == 55000
    assert h.arpu_fen == pytest.approx(55000 / 3)
    assert (h.previous_buyers, h.churned) == (1, 0)
    assert h.payment_cycle_days == pytest.approx(21.5)  # gaps of 26 and 17 days
    assert (h.active_customers, h.active_days) == (2, 5)
    assert (h.open_rate, h.click_rate) == (0.5, 0.5)
    assert (h.contacts_at_start, h.contacts_deleted, h.unfollow_rate) == (2, 1, 0.5)
    assert current_stage(h) == "cold_start"  # three customers: learn before scaling


def test_churn_counts_last_period_buyers_who_did_not_return(shop: dict[str, Customer]) -> None:
    april = Period(date(2025, 4, 1), date(2025, 5, 1))
    h = health(Customer.objects.all(), april)
    assert (h.previous_buyers, h.churned, h.churn_rate) == (2, 2, 1.0)
