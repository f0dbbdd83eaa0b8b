"""Where a dashboard reads its figures: the read model (siyu/analytics/readmodel/), or the
ORM reference when the read model is switched off (``SIYU_ANALYTICS_READ_MODEL = False``)
or the viewer's scope is not a set of org units (a sales member's own customers). The
page says which, and how old the read model's data is."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from siyu.analytics import activity, channels, cohorts, gmv, lift
from siyu.analytics.activity import Health
from siyu.analytics.channels import ChannelRow
from siyu.analytics.cohorts import Cohort, CohortBasis
from siyu.analytics.gmv import GmvChange, GmvFactors
from siyu.analytics.lift import Comparison
from siyu.analytics.params import Scope
from siyu.analytics.periods import Period
from siyu.analytics.readmodel import cohorts as rm_cohorts
from siyu.analytics.readmodel import health as rm_health
from siyu.analytics.readmodel import metrics as rm
from siyu.analytics.readmodel.engines import Engine
from siyu.analytics.readmodel.scope import Filter, read_filter
from siyu.analytics.readmodel.sync import NotBuilt, State, current, max_age

if TYPE_CHECKING:
    from siyu.analytics.clv.fits import Fitted
    from siyu.analytics.clv.report import ClvReport


@dataclass(frozen=True)
class Source:
    engine: Engine | None  # None: the ORM reference
    filter: Filter
    state: State | None

    @property
    def read_model(self) -> bool:
        return self.engine is not None

    def freshness(self) -> str:
        """The line every dashboard shows under its filters."""
        if self.state is None:
            return _("Data is live (read from the database on this request).")
        age = round(self.state.age_seconds())
        bound = round(max_age())
        return (
            ngettext(
                "Data updated %(age)d second ago",
                "Data updated %(age)d seconds ago",
                age,
            )
            % {"age": age}
            + " · "
            + ngettext(
                "refreshed when older than %(bound)d second",
                "refreshed when older than %(bound)d seconds",
                bound,
            )
            % {"bound": bound}
        )


LIVE = Source(None, Filter(None), None)  # no read model: read the database on the request


def read_model_on() -> bool:
    return bool(getattr(settings, "SIYU_ANALYTICS_READ_MODEL", True))


def read_model_source(found: Filter | None) -> Source:
    """The read model for the rows of ``found``; ``LIVE`` when ``found`` is None (a scope
    that is not a set of org units), the read model is switched off, or it is not built
    yet (a shared ClickHouse before the worker's first build)."""
    if found is None or not read_model_on():
        return LIVE
    try:
        engine, state = current()
    except NotBuilt:
        return LIVE
    return Source(engine, found, state)


def read_source(request: HttpRequest, scope: Scope) -> Source:
    # The filter reads the unit's subtree: not asked for when the read model is off.
    found = read_filter(request.user, scope.unit) if read_model_on() else None
    return read_model_source(found)


def gmv_change(src: Source, scope: Scope, base: Period) -> GmvChange:
    if src.engine is None:
        return gmv.gmv_change(scope.customers, scope.period, base)
    before = rm.gmv_factors(src.engine, src.filter, base)
    return gmv.explain_change(before, rm.gmv_factors(src.engine, src.filter, scope.period))


def gmv_factors_by(src: Source, scope: Scope, dimension: gmv.Dimension) -> dict[str, GmvFactors]:
    if src.engine is None:
        return gmv.gmv_factors_by(scope.customers, scope.period, dimension, scope.unit)
    return rm.gmv_factors_by(src.engine, src.filter, scope.period, dimension, scope.unit)


def health(src: Source, scope: Scope) -> Health:
    if src.engine is None:
        return activity.health(scope.customers, scope.period)
    return rm_health.health(src.engine, src.filter, scope.customers, scope.period)


def cohort_curves(
    src: Source, scope: Scope, channel: str | None, basis: CohortBasis
) -> list[Cohort]:
    until = scope.period.end
    if src.engine is None:
        return cohorts.cohort_curves(scope.customers, channel=channel, until=until, basis=basis)
    return rm_cohorts.cohort_curves(
        src.engine, src.filter, channel=channel, until=until, basis=basis
    )


def channel_rows(src: Source, scope: Scope, spend: Q | None) -> list[ChannelRow]:
    if src.engine is None:
        return channels.channel_rows(scope.customers, scope.period, spend)
    sizes, buyers, offsets = rm_cohorts.channel_counts(src.engine, src.filter, scope.period)
    return channels.rows_from_counts(sizes, buyers, offsets, scope.period, spend)


# Scores of a scope, reused for a minute: at a million buyers scoring takes a second or
# two, and CLV figures move over months. The fit itself is the worker's (clv/fits.py).
CLV_SCORE_SECONDS = 60
CLV_CACHED_SCOPES = 16
_clv_scores: dict[tuple[tuple[int, ...] | None, date], tuple[float, Fitted]] = {}
_clv_lock = threading.Lock()


def clv_report(src: Source, scope: Scope) -> Fitted | ClvReport:
    """The scope's customers scored by the CLV models. Raises ValueError with a message
    to show, or clv.fits.Pending while the worker fits a scope seen for the first time."""
    # Imported on first use: the model fit pulls in scipy.optimize (~1 s per process).
    from siyu.analytics.clv import fits, report

    if src.engine is None:  # a sales member's own customers: few, fitted on the request
        return report.clv_report(scope.customers, scope.period.end)
    key = (src.filter.units, scope.period.end)
    cached = _clv_scores.get(key)
    if cached is not None and max_age() > 0 and time.time() - cached[0] < CLV_SCORE_SECONDS:
        return cached[1]
    engine = src.engine
    fitted = fits.fitted_report(
        src.filter.units,
        scope.period.end,
        lambda: rm_cohorts.clv_summary(engine, src.filter, scope.period.end),
    )
    with _clv_lock:
        if len(_clv_scores) >= CLV_CACHED_SCOPES:
            _clv_scores.pop(next(iter(_clv_scores)))
        _clv_scores[key] = (time.time(), fitted)
    return fitted


def compare_wecom_added(src: Source, scope: Scope) -> Comparison:
    if src.engine is None:
        return lift.compare_wecom_added(scope.customers, scope.period)
    s = rm_cohorts.strata_columns(src.engine, src.filter, scope.period, lift.PRE_PERIOD_DAYS)
    return lift.compare_strata(s.month, s.channel, s.wecom, s.pre, s.post)
