"""Background work of analytics (Django Tasks API; the backend is configured in settings)."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from siyu.worker.recovery import repeatable


@repeatable
@task()
def fit_clv(fit_id: int) -> dict[str, Any]:
    """Fit the CLV models of one stored scope and end date (siyu.analytics.clv.fits)."""
    from siyu.analytics.clv.fits import refit

    return refit(fit_id)


@repeatable
@task()
def fit_brand_clv() -> dict[str, Any]:
    """The schedule's refit of the brand-wide CLV page's default period, so HQ's page
    always scores with a fit at most one interval old."""
    from siyu.analytics.clv.fits import fresh, request_fit
    from siyu.analytics.periods import last_days
    from siyu.analytics.views.source import read_model_on

    if not read_model_on():
        return {"asked": False}
    until = last_days(365).end
    if fresh(None, until):
        return {"asked": False}
    request_fit(None, until)
    return {"asked": True}
