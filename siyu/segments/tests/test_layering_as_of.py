"""Layering as of a date: a history that ended a while ago is layered as it stood then
(only orders paid by that day, recency and churn measured from it), on the page, in its
CSV and in the API."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from siyu.access.tests.clients import integration_client
from siyu.console.tests.factories import login
from siyu.demo.brand import Brand
from siyu.segments.layering import as_of_moment, pareto_curve, rfm_scores, value_lifecycle_matrix
from siyu.segments.tests.factories import buy, make_customer
from siyu.segments.thresholds import Thresholds

pytestmark = pytest.mark.django_db
END = date(2024, 6, 30)  # the history's last day


def at_end(days_before: int) -> object:
    return as_of_moment(END) - timedelta(days=days_before, hours=12)


@pytest.fixture
def history(brand: Brand) -> dict[str, int]:
    """Y bought 10 and 40 days before END, O bought 120 days before, L bought after END."""
    y, o, late = make_customer("Y"), make_customer("O"), make_customer("L")
    buy(y, at_end(40), 20000)  # type: ignore[arg-type]
    buy(y, at_end(10), 20000)  # type: ignore[arg-type]
    buy(o, at_end(120), 5000)  # type: ignore[arg-type]
    buy(late, as_of_moment(END) + timedelta(days=20), 90000)
    return {"Y": y.pk, "O": o.pk, "L": late.pk}


def stages(moment: object) -> dict[tuple[str, str], int]:
    cells = value_lifecycle_matrix(Thresholds(), moment)  # type: ignore[arg-type]
    return {(c.value_tier, c.stage): c.customers for c in cells if c.customers}


def test_as_of_the_histories_end_buyers_are_active_not_churned(history: dict[str, int]) -> None:
    # Measured from today, long after the history ended, everyone has churned.
    assert stages(timezone.now()) == {("medium", "churned"): 2, ("low", "churned"): 1}
    then = stages(as_of_moment(END))
    assert then == {("medium", "active"): 1, ("low", "at_risk"): 1}  # L had not bought yet
    scores = {s.customer_id for s in rfm_scores(Thresholds(), as_of_moment(END))}
    assert scores == {history["Y"], history["O"]}
    assert pareto_curve(as_of=as_of_moment(END)).net_fen == 45000
    assert pareto_curve().net_fen == 135000


def test_page_csv_and_api_take_the_as_of_date(
    client: Client, brand: Brand, history: dict[str, int]
) -> None:
    login(client, brand.lin_yue)
    page = client.get(f"/segments/layering/?as_of={END.isoformat()}")
    assert page.status_code == 200
    assert page.context["as_of"] == END
    cells = {(c.value_tier, c.stage): c.customers for _, row in page.context["matrix"] for c in row}
    assert cells[("medium", "active")] == 1
    csv = client.get(f"/segments/layering/matrix.csv?as_of={END.isoformat()}").content.decode()
    assert "medium,active" in csv
    assert "churned" not in csv
    for bad in ("2024-13-01", "yesterday", "1999-12-31", "2999-01-01", "x" * 500):
        assert client.get(f"/segments/layering/?as_of={bad}").status_code == 400
    api = integration_client("bi")
    body = api.get(f"/api/layering/matrix?as_of={END.isoformat()}").json()
    assert {(c["value_tier"], c["stage"]) for c in body if c["customers"]} == {
        ("medium", "active"),
        ("low", "at_risk"),
    }
    assert api.get("/api/layering/matrix?as_of=2999-01-01").status_code == 400
    assert api.get(f"/api/layering/pareto?as_of={END.isoformat()}").json()["net_fen"] == 45000
