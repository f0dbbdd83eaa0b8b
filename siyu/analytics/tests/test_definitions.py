"""§2 definitions that hold on any data: the GMV split never invents parts, comparison
periods are chosen and shown, one word has one number, rates without data say so."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.analytics.activity import health
from siyu.analytics.gmv import GmvFactors, explain_change, gmv_change, gmv_factors
from siyu.analytics.periods import Period
from siyu.analytics.tests.factories import customer, event, order
from siyu.console.tests.factories import login
from siyu.customers.models import Customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
MAR = Period(date(2025, 3, 1), date(2025, 4, 1))
DAY0 = date(2024, 12, 1)


def test_unmoved_factors_get_exactly_zero_when_the_change_cannot_be_split() -> None:
    """Users 0 in both periods while orders exist: the old rounding gave each factor a
    quarter of the change. Now there is no split, and every part is 0."""
    change = explain_change(GmvFactors(0, 1, 1, 10000), GmvFactors(0, 2, 3, 40000))
    assert not change.explained
    assert change.periods_without_users == ["before", "after"]
    assert [p.share_fen for p in change.parts] == [0, 0, 0, 0]


def test_only_moved_factors_take_rounding_units() -> None:
    # Only AOV moves (users, conversion and frequency equal): all of the change is AOV's.
    change = explain_change(GmvFactors(3, 1, 3, 10001), GmvFactors(3, 1, 3, 20000))
    assert change.explained
    assert [p.share_fen for p in change.parts] == [0, 0, 9999, 0]


@pytest.fixture
def sparse_shop(brand: Brand) -> None:
    """A few customers acquired over a quarter with gaps: many random periods are empty."""
    a = customer("a", date(2025, 1, 5))
    b = customer("b", date(2025, 2, 20))
    c = customer("c", date(2025, 3, 15))
    order(a, date(2025, 1, 6), 120)
    order(a, date(2025, 3, 3), 80, refund_yuan=30)
    order(b, date(2025, 2, 21), 333)
    order(c, date(2025, 3, 16), 57)
    order(c, date(2025, 3, 20), 57)


days = st.integers(min_value=0, max_value=150)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(days, st.integers(min_value=1, max_value=60), days, st.integers(min_value=1, max_value=60))
def test_random_periods_split_exactly_or_say_they_cannot(
    sparse_shop: None, a: int, a_len: int, b: int, b_len: int
) -> None:
    everyone = Customer.objects.all()
    period = Period(DAY0 + timedelta(days=a), DAY0 + timedelta(days=a + a_len))
    base = Period(DAY0 + timedelta(days=b), DAY0 + timedelta(days=b + b_len))
    change = gmv_change(everyone, period, base)
    before, after = change.before, change.after
    if change.explained:
        assert sum(p.share_fen for p in change.parts) == change.change_fen
        for p in change.parts:
            if p.before == p.after:
                assert p.share == 0
                assert p.share_fen == 0
    else:
        assert change.periods_without_users
        assert all(p.share_fen == 0 for p in change.parts)
    # Buyers are always users: an acquisition time is never after a customer's first order.
    assert before.buyers <= before.users
    assert after.buyers <= after.users


@pytest.mark.parametrize(
    ("compare", "dates"),
    [
        ("previous", "2025-01-29 – 2025-02-28"),
        ("month", "2025-02-01 – 2025-02-28"),
        ("quarter", "2024-12-01 – 2024-12-31"),
        ("year", "2024-03-01 – 2024-03-31"),
    ],
)
def test_compared_period_is_chosen_and_shown_on_page_and_csv(
    client: Client, brand: Brand, sparse_shop: None, compare: str, dates: str
) -> None:
    assert MAR.compared(compare).label() == dates  # type: ignore[arg-type]
    login(client, brand.lin_yue)
    url = f"/analytics/gmv/?from=2025-03-01&to=2025-03-31&compare={compare}"
    assert dates in client.get(url).content.decode()
    assert dates in client.get(url + "&csv=factors").content.decode()
    assert dates in client.get(url.replace("/gmv/", "/")).content.decode()
    assert client.get(url.replace(compare, "lastweek")).status_code == 400


def test_paying_conversion_is_one_number_on_overview_and_gmv(
    client: Client, brand: Brand, sparse_shop: None
) -> None:
    everyone = Customer.objects.all()
    h, f = health(everyone, MAR), gmv_factors(everyone, MAR)
    assert h.paying_conversion == f.conversion == 2 / 3  # a and c of a, b, c
    assert h.ever_paid_share == 1.0
    login(client, brand.lin_yue)
    q = "?from=2025-03-01&to=2025-03-31"
    overview = client.get("/analytics/" + q + "&csv=metrics").content.decode()
    gmv = client.get("/analytics/gmv/" + q + "&csv=factors").content.decode()
    assert "66.7%" in overview
    assert "66.7%" in gmv
    assert "33.3%" not in gmv  # the share ever paid (100.0 %) is another figure, named apart


def test_open_and_click_rates_say_no_data_until_recorded(
    client: Client, brand: Brand, sparse_shop: None
) -> None:
    h = health(Customer.objects.all(), MAR)
    assert (h.open_rate, h.click_rate) == (None, None)
    login(client, brand.lin_yue)
    rates = metric_rows(client)
    assert rates["Message open rate"].startswith("No data yet")
    assert rates["Message click rate"].startswith("No data yet")
    event(Customer.objects.get(display_name="a"), "message_sent", date(2025, 3, 3))
    event(Customer.objects.get(display_name="a"), "message_opened", date(2025, 3, 3))
    rates = metric_rows(client)
    assert rates["Message open rate"] == "100.0%"
    assert rates["Message click rate"].startswith("No data yet")


def metric_rows(client: Client) -> dict[str, str]:
    url = "/analytics/?from=2025-03-01&to=2025-03-31&csv=metrics"
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    text = client.get(url).content.decode().lstrip("\ufeff")
    return {row[0]: row[1] for row in csv.reader(io.StringIO(text)) if len(row) == 2}


def test_the_gmv_page_says_when_the_change_cannot_be_split(
    client: Client, brand: Brand, sparse_shop: None
) -> None:
    """Customers without an acquisition time (a raw bulk insert that skipped it) are no
    users, though they have orders: the page explains instead of showing parts."""
    Customer.objects.update(first_seen_at=None)
    login(client, brand.lin_yue)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    url = "/analytics/gmv/?from=2025-03-01&to=2025-03-31&compare=month"
    page = client.get(url).content.decode()
    assert "cannot explain this change: both periods had orders but no users" in page
    rows = list(csv.reader(io.StringIO(client.get(url + "&csv=factors").content.decode())))
    assert [row[3] for row in rows[1:5]] == ["—"] * 4
