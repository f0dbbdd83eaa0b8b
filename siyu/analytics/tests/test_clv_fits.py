"""The CLV page never fits a large scope on the request: the worker fits it, the page
waits for the first fit, then scores with the newest one while a refit runs."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from siyu.analytics.clv import fits
from siyu.analytics.models import ClvFit
from siyu.analytics.periods import last_days
from siyu.analytics.tasks import fit_brand_clv, fit_clv
from siyu.analytics.tests.factories import customer, order
from siyu.console.tests.factories import login
from siyu.demo.brand import Brand

pytestmark = pytest.mark.django_db
PAGE = "/analytics/clv/?from=2025-01-01&to=2025-06-30"
UNTIL = date(2025, 7, 1)  # the page's period end (exclusive)
FIT_TASK = "siyu.analytics.tasks.fit_clv"
Capture = Callable[..., AbstractContextManager[Any]]


def buyers(n: int) -> None:
    for i in range(n):
        c = customer(f"客{i}", date(2025, 1, 1) + timedelta(days=i % 20))
        for k in range(i % 5 + 1):
            order(c, date(2025, 1, 25) + timedelta(days=17 * k + i % 7), 50 + 10 * (i % 4) + 5 * k)


def queued_fits() -> int:
    return DBTaskResult.objects.filter(task_path=FIT_TASK).ready().count()


def run_worker() -> None:
    """Run the queued fits as the worker does (its db_worker closes the test's connection)."""
    for row in DBTaskResult.objects.filter(task_path=FIT_TASK).ready():
        fit_clv.call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])
        row.delete()


@pytest.fixture
def large(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every scope counts as one too large to fit on the request."""
    monkeypatch.setattr(fits, "INLINE_BUYERS", 0)


def test_the_first_view_of_a_large_scope_waits_for_the_workers_fit(
    client: Client, brand: Brand, large: None, django_capture_on_commit_callbacks: Capture
) -> None:
    buyers(40)
    login(client, brand.lin_yue)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(PAGE)
        again = client.get(PAGE)
    assert first.status_code == again.status_code == 200
    assert first.context["pending"]
    assert 'data-reload-after="10"' in first.content.decode()
    assert queued_fits() == 1  # two views, one fit asked for
    csv = client.get(PAGE + "&csv=customers")
    assert csv.status_code == 503
    assert csv["Retry-After"] == "10"

    run_worker()
    assert queued_fits() == 0
    fit = ClvFit.objects.get(until=UNTIL)
    assert fit.customers == 40
    assert fit.params is not None
    assert fit.requested_at is None
    page = client.get(PAGE)
    assert "pending" not in page.context
    assert sum(row[1] for row in page.context["tables"]["churn_risk"].rows) == 40
    assert "40" in page.context["fitted"]
    assert client.get(PAGE + "&csv=customers").status_code == 200
    # Until the next fit the page shows what the worker stored with this one (no read of
    # a million customers' orders per view): a new buyer appears after the refit.
    late = customer("新客", date(2025, 3, 1))
    order(late, date(2025, 3, 2), 80)
    order(late, date(2025, 4, 2), 90)
    page = client.get(PAGE)
    assert sum(row[1] for row in page.context["tables"]["churn_risk"].rows) == 40


def test_a_stale_fit_scores_the_page_while_one_refit_is_asked_for(
    client: Client, brand: Brand, large: None, django_capture_on_commit_callbacks: Capture
) -> None:
    buyers(40)
    params = {
        "bg": {"r": 0.5, "alpha": 3.0, "a": 0.8, "b": 2.5},
        "gg": {"p": 6.0, "q": 4.0, "v": 15.0},
    }
    ClvFit.objects.create(
        scope_key=fits.scope_key(None),
        until=UNTIL,
        params=params,
        customers=40,
        fitted_at=timezone.now() - timedelta(seconds=fits.REFIT_SECONDS + 60),
    )
    login(client, brand.lin_yue)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.get(PAGE)
        client.get(PAGE)
    assert page.context["tables"]["parameters"].rows[0][1] == "r=0.500 α=3.000 a=0.800 b=2.500"
    assert "正在进行新一次拟合" in page.context["fitted"]  # "A newer fit is running."
    assert queued_fits() == 1
    run_worker()
    assert ClvFit.objects.get(until=UNTIL).params != params  # fitted on the orders


def test_another_period_is_scored_with_the_scopes_newest_fit_meanwhile(
    client: Client, brand: Brand, large: None, django_capture_on_commit_callbacks: Capture
) -> None:
    buyers(40)
    login(client, brand.lin_yue)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(PAGE)
    run_worker()
    with django_capture_on_commit_callbacks(execute=True):
        later = client.get("/analytics/clv/?from=2025-01-01&to=2025-07-31")
    assert sum(row[1] for row in later.context["tables"]["churn_risk"].rows) == 40
    assert "正在为此时间段拟合模型" in later.context["fitted"]  # "A fit for this period is running"
    assert "2025-07-01" in later.context["fitted"]  # says which orders the fit saw
    assert queued_fits() == 1


def test_a_scope_the_worker_cannot_fit_shows_why_instead_of_waiting(
    client: Client, brand: Brand, large: None, django_capture_on_commit_callbacks: Capture
) -> None:
    buyers(5)
    login(client, brand.lin_yue)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(PAGE).context["pending"]
    run_worker()
    page = client.get(PAGE)
    assert "30" in page.context["problem"]
    assert queued_fits() == 0  # not asked again while the answer is fresh


def test_a_small_scope_is_fitted_on_the_request_and_kept(client: Client, brand: Brand) -> None:
    buyers(40)
    login(client, brand.lin_yue)
    page = client.get(PAGE)
    assert sum(row[1] for row in page.context["tables"]["churn_risk"].rows) == 40
    assert ClvFit.objects.get(until=UNTIL).customers == 40
    assert queued_fits() == 0


def test_the_schedule_keeps_the_brand_wide_fit(
    brand: Brand, django_capture_on_commit_callbacks: Capture
) -> None:
    buyers(40)
    with django_capture_on_commit_callbacks(execute=True):
        assert fit_brand_clv.call() == {"asked": True}
        assert fit_brand_clv.call() == {"asked": True}  # asked, not yet fitted: no second task
    assert queued_fits() == 1
    run_worker()
    assert ClvFit.objects.get(until=last_days(365).end).params is not None
    assert fit_brand_clv.call() == {"asked": False}
