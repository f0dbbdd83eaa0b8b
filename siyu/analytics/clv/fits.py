"""CLV models fitted by the worker, scored on the page.

Fitting BG/NBD and Gamma-Gamma takes about a minute of CPU at a million buyers; scoring
every buyer with fitted parameters takes about a second. So a page never fits a large
scope itself: it scores with the newest parameters stored for its scope (ClvFit) and asks
the worker for a new fit when there are none for its end date or they are older than
REFIT_SECONDS. Small scopes (under INLINE_BUYERS, about a second or less to fit) are fitted
on the request, as before, and stored the same way. The worker refits the brand-wide
default scope on a schedule, so HQ's page always has a fit to show.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from siyu.analytics.clv import bgnbd, gammagamma
from siyu.analytics.clv.report import ClvReport, outputs, report_of, scored
from siyu.analytics.clv.summary import Summary
from siyu.analytics.models import ClvFit

log = logging.getLogger(__name__)

# Parameters describe months of buying: an hour-old fit scores today's buyers as well.
REFIT_SECONDS = 3600
INLINE_BUYERS = 20_000
# A request older than this whose fit never reported back (its worker died) is asked again.
REQUEST_LOST_SECONDS = 900


class Pending(Exception):
    """No fitted parameters exist for the scope yet; the worker has been asked for them."""

    def __init__(self, requested_at: datetime) -> None:
        super().__init__("fit requested")
        self.requested_at = requested_at


@dataclass(frozen=True)
class Fitted:
    outputs: dict[str, Any]  # report.outputs: what the page shows
    fit: ClvFit  # the row whose parameters scored them
    refitting: bool  # a newer fit has been asked for


def scope_key(units: tuple[int, ...] | None) -> str:
    if units is None:
        return "all"
    return hashlib.sha256(",".join(str(u) for u in sorted(units)).encode()).hexdigest()


def params_of(report: ClvReport) -> dict[str, Any]:
    bg, gg = report.bg, report.gg
    return {
        "bg": {"r": bg.r, "alpha": bg.alpha, "a": bg.a, "b": bg.b},
        "gg": None if gg is None else {"p": gg.p, "q": gg.q, "v": gg.v},
    }


def models_of(
    params: dict[str, Any],
) -> tuple[bgnbd.BgNbdParams, gammagamma.GammaGammaParams | None]:
    gg = params.get("gg")
    return bgnbd.BgNbdParams(**params["bg"]), (
        None if gg is None else gammagamma.GammaGammaParams(**gg)
    )


def _stale(fit: ClvFit, now: datetime) -> bool:
    return fit.fitted_at is None or now - fit.fitted_at > timedelta(seconds=REFIT_SECONDS)


def fresh(units: tuple[int, ...] | None, until: date) -> bool:
    """Whether (scope, until) has a fit, or a reason for none, younger than the interval."""
    fit = ClvFit.objects.filter(scope_key=scope_key(units), until=until).first()
    return fit is not None and not _stale(fit, timezone.now())


def store(
    units: tuple[int, ...] | None, until: date, summary: Summary, *, started: float
) -> tuple[ClvFit, ClvReport | None]:
    """Fit on ``summary`` and keep the parameters, or the reason there are none."""
    report: ClvReport | None = None
    params: dict[str, Any] | None = None
    problem = ""
    try:
        report = report_of(summary)
        params = params_of(report)
    except ValueError as exc:  # too few buyers: the page shows why
        problem = str(exc)
    values = {
        "units": None if units is None else list(units),
        "params": params,
        "outputs": None if report is None else outputs(report),
        "problem": problem,
        "customers": len(summary.x),
        "fitted_at": timezone.now(),
        "fit_seconds": round(time.perf_counter() - started, 3),
        "requested_at": None,
    }
    key = scope_key(units)
    try:
        with transaction.atomic():
            fit, _ = ClvFit.objects.update_or_create(scope_key=key, until=until, defaults=values)
    except IntegrityError:  # another process stored the same fit first: keep the newer
        fit = ClvFit.objects.get(scope_key=key, until=until)
        ClvFit.objects.filter(pk=fit.pk).update(**values)
        fit.refresh_from_db()
    return fit, report


def request_fit(units: tuple[int, ...] | None, until: date) -> datetime:
    """Ask the worker to fit (scope, until) unless it is already asked; when it was asked."""
    from siyu.analytics.tasks import fit_clv

    now = timezone.now()
    key = scope_key(units)
    fit, created = ClvFit.objects.get_or_create(
        scope_key=key,
        until=until,
        defaults={"units": None if units is None else list(units), "requested_at": now},
    )
    if not created:
        lost = now - timedelta(seconds=REQUEST_LOST_SECONDS)
        won = (
            ClvFit.objects.filter(pk=fit.pk)
            .filter(Q(requested_at__isnull=True) | Q(requested_at__lt=lost))
            .update(requested_at=now)
        )
        if not won:
            fit.refresh_from_db(fields=["requested_at"])
            return fit.requested_at or now
    pk = fit.pk
    transaction.on_commit(lambda: fit_clv.enqueue(pk))
    return now


def fitted_report(
    units: tuple[int, ...] | None, until: date, load: Callable[[], Summary]
) -> Fitted:
    """The scope's customers scored with the newest fit of the scope, fitting on the spot
    when the scope is small. A large scope's fresh fit answers with the outputs the
    worker stored (no read of the orders; the page says how old they are). Raises
    Pending (asked the worker) or ValueError (a reason no model can be fitted, to show)."""
    now = timezone.now()
    key = scope_key(units)
    exact = ClvFit.objects.filter(scope_key=key, until=until).first()
    if (
        exact is not None
        and exact.outputs is not None
        and exact.customers >= INLINE_BUYERS
        and not _stale(exact, now)
    ):
        return Fitted(exact.outputs, exact, refitting=False)
    summary = load()
    if len(summary.x) < INLINE_BUYERS and (exact is None or _stale(exact, now)):
        fit, report = store(units, until, summary, started=time.perf_counter())
        if report is None:
            raise ValueError(fit.problem)
        return Fitted(outputs(report), fit, refitting=False)
    if exact is not None and exact.params is None and exact.problem and not _stale(exact, now):
        raise ValueError(exact.problem)
    usable = exact if exact is not None and exact.params is not None else None
    if usable is None:  # another end date's fit of the same scope scores well meanwhile
        usable = (
            ClvFit.objects.filter(scope_key=key, params__isnull=False)
            .order_by("-fitted_at")
            .first()
        )
    refitting = exact is None or exact.params is None or _stale(exact, now)
    requested = request_fit(units, until) if refitting else now
    if usable is None or usable.params is None:
        raise Pending(requested)
    bg, gg = models_of(usable.params)
    return Fitted(outputs(scored(summary, bg, gg)), usable, refitting)


def refit(fit_id: int) -> dict[str, Any]:
    """The worker's half: fit the row's scope on the read model as it is now."""
    from siyu.analytics.readmodel.cohorts import clv_summary
    from siyu.analytics.readmodel.scope import Filter
    from siyu.analytics.readmodel.sync import NotBuilt, current

    fit = ClvFit.objects.filter(pk=fit_id).first()
    if fit is None:
        return {"fitted": False}
    units = None if fit.units is None else tuple(int(u) for u in fit.units)
    started = time.perf_counter()
    try:
        engine, _state = current()
    except NotBuilt:  # a shared ClickHouse before its first build: asked again later
        ClvFit.objects.filter(pk=fit.pk).update(requested_at=None)
        return {"fitted": False}
    try:
        summary = clv_summary(engine, Filter(units), fit.until)
    except ValueError as exc:  # no orders at all in the scope
        ClvFit.objects.filter(pk=fit.pk).update(
            params=None, problem=str(exc), fitted_at=timezone.now(), requested_at=None
        )
        return {"fitted": False}
    stored, _ = store(units, fit.until, summary, started=started)
    log.info("CLV fit %s: %d buyers in %.1f s", fit.pk, stored.customers, stored.fit_seconds)
    return {"fitted": stored.params is not None, "customers": stored.customers}
