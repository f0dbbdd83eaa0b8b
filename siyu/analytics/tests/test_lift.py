from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from siyu.analytics.lift import EmptyGroup, compare_wecom_added, measure_lift
from siyu.analytics.periods import Period
from siyu.analytics.tests.factories import customer, order
from siyu.console.tests.factories import login
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
MAR = Period(date(2025, 3, 1), date(2025, 4, 1))


def test_lift_of_a_treatment_over_its_control(brand: Brand) -> None:
    treated = [customer(f"t{i}", date(2025, 1, 5), tags=(("实验", "发券"),)) for i in range(4)]
    control = [customer(f"c{i}", date(2025, 1, 5), tags=(("实验", "对照"),)) for i in range(4)]
    order(treated[0], date(2025, 3, 2), 100)
    order(treated[1], date(2025, 3, 2), 300)
    order(control[0], date(2025, 3, 2), 100)
    order(control[1], date(2025, 2, 2), 500)  # before the period: does not count
    result = measure_lift(
        Customer.objects.filter(tag_links__tag__name="发券"),
        Customer.objects.filter(tag_links__tag__name="对照"),
        MAR,
    )
    assert (result.treated, result.control) == (4, 4)
    assert result.conversion_difference.estimate == pytest.approx(0.25)
    assert (result.revenue_treated_fen, result.revenue_control_fen) == (10000, 2500)
    assert result.revenue_difference.estimate == pytest.approx(7500)
    assert result.revenue_difference.low < 7500 < result.revenue_difference.high


def test_wecom_added_look_better_naively_than_within_strata(brand: Brand) -> None:
    """Store customers spend more and are the ones added on WeCom; within the store
    channel WeCom makes no difference, so the controlled ratio is ~1 while the naive one
    is well above it."""
    store = [
        (True, 300),
        (True, 320),
        (True, 280),
        (True, 300),
        (False, 310),
        (False, 290),
        (False, 300),
        (False, 300),
    ]
    online = [(True, 0), (True, 20), (False, 0), (False, 20), (False, 0), (False, 20)]
    for channel, people in (("门店", store), ("抖音", online)):
        for i, (wecom, spend) in enumerate(people):
            c = customer(f"{channel}{i}", date(2025, 1, 5), channel=channel, wecom=wecom)
            if spend:
                order(c, date(2025, 3, 9), spend)
    result = compare_wecom_added(Customer.objects.all(), MAR)
    assert (result.treated, result.others, result.strata_used) == (6, 8, 2)
    assert result.treated_covered == 1.0
    # Naive: (1200 + 20) / 6 = 203.33 vs (1200 + 40) / 8 = 155 yuan per customer.
    assert result.naive.estimate == pytest.approx((122000 / 6) - (124000 / 8))
    assert result.naive_ratio is not None
    assert result.naive_ratio > 1.3
    # Controlled: both strata show a 0 difference.
    assert result.controlled.estimate == pytest.approx(0.0, abs=1e-9)
    assert result.controlled_ratio == pytest.approx(1.0)
    assert result.controlled.low < 0 < result.controlled.high


def test_empty_or_revenueless_groups_are_named_not_shown_as_numbers(
    brand: Brand, client: Client
) -> None:
    """No WeCom-added customer: the page names the empty group. Both groups without revenue:
    no 0.00 [0.00, 0.00]. Others without revenue: no inf×."""
    login(client, brand.lin_yue)
    url = "/analytics/lift/?from=2025-03-01&to=2025-03-31"
    for i in range(3):
        customer(f"o{i}", date(2025, 1, 5))
    page = client.get(url).content.decode()
    assert "inf" not in page
    assert "WeCom" in page or "企业微信" in page
    with pytest.raises(EmptyGroup) as empty:
        compare_wecom_added(Customer.objects.all(), MAR)
    assert (empty.value.group, empty.value.size) == ("wecom", 0)
    wecom = [customer(f"w{i}", date(2025, 1, 5), wecom=True) for i in range(3)]
    silent = compare_wecom_added(Customer.objects.all(), MAR)
    assert silent.no_revenue
    page = client.get(url).content.decode()
    assert "0.00 [0.00, 0.00]" not in page
    order(wecom[0], date(2025, 3, 9), 100)
    skewed = compare_wecom_added(Customer.objects.all(), MAR)
    assert (skewed.no_revenue, skewed.naive_ratio) == (False, None)
    page = client.get(url).content.decode()
    assert "inf×" not in page


def test_a_too_small_treatment_group_is_named(brand: Brand) -> None:
    customer("t0", date(2025, 1, 5), tags=(("实验", "发券"),))
    for i in range(3):
        customer(f"c{i}", date(2025, 1, 5), tags=(("实验", "对照"),))
    with pytest.raises(EmptyGroup) as small:
        measure_lift(
            Customer.objects.filter(tag_links__tag__name="发券"),
            Customer.objects.filter(tag_links__tag__name="对照"),
            MAR,
        )
    assert (small.value.group, small.value.size) == ("treated", 1)
