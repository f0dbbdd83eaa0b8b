"""Customers imported today with years of history: the analytics count them from their
acquisition time, not from the moment of the import."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from siyu.analytics.cohorts import cohort_curves
from siyu.analytics.gmv import gmv_factors
from siyu.analytics.periods import Period
from siyu.analytics.tests.factories import noon
from siyu.console.tests.factories import login
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.orders import OrderInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
MAY_2023 = Period(date(2023, 5, 1), date(2023, 6, 1))


def imported(phone: str, *orders: date) -> Customer:
    c = upsert_customer([IdentityInput("phone", phone)], fields={}, source="import")
    for n, day in enumerate(orders):
        import_order(
            c,
            OrderInput("pos", f"{phone}-{n}", paid_at=noon(day), total_fen=5000, paid_fen=5000),
        )
    return c


def test_a_period_before_the_import_has_its_users_and_buyers() -> None:
    imported("13900000001", date(2023, 5, 10), date(2023, 7, 1))
    imported("13900000002", date(2023, 6, 2))
    f = gmv_factors(Customer.objects.all(), MAY_2023)
    assert (f.users, f.buyers, f.orders, f.gmv_fen) == (1, 1, 1, 5000)
    assert f.conversion == 1.0


def test_cohorts_by_acquisition_and_by_first_purchase_month() -> None:
    a = imported("13900000001", date(2023, 5, 10), date(2023, 7, 1))
    imported("13900000002", date(2023, 6, 2))
    # a was known (an identifier observed) before buying: acquired in April.
    upsert_customer(
        [IdentityInput("phone", "13900000001")], fields={}, source="t", at=noon(date(2023, 4, 3))
    )
    a.refresh_from_db()
    acquired = cohort_curves(Customer.objects.all(), until=date(2023, 7, 31))
    assert [(c.month, c.size) for c in acquired] == [(date(2023, 4, 1), 1), (date(2023, 6, 1), 1)]
    assert acquired[0].retention == [0.0, 1.0, 0.0, 1.0]
    first = cohort_curves(Customer.objects.all(), until=date(2023, 7, 31), basis="first_purchase")
    assert [(c.month, c.size) for c in first] == [(date(2023, 5, 1), 1), (date(2023, 6, 1), 1)]
    assert first[0].retention == [1.0, 0.0, 1.0]
    assert first[0].repurchase == [0.0, 0.0, 1.0]
    assert timezone.localtime(a.first_seen_at).date() == date(2023, 4, 3)


def test_the_cohort_page_offers_both_bases_and_refuses_others(brand: Brand, client: Client) -> None:
    imported("13900000001", date(2023, 5, 10))
    login(client, brand.lin_yue)
    base = "/analytics/cohorts/?from=2023-01-01&to=2023-12-31"
    page = client.get(base + "&basis=first_purchase")
    assert page.status_code == 200
    assert "2023-05" in page.content.decode()
    assert client.get(base + "&basis=whenever").status_code == 400
