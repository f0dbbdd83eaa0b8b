"""Cohorts: retention and repurchase by acquisition month (or first-purchase month),
optionally for one channel."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from siyu.analytics.charts import line_chart, percent
from siyu.analytics.cohorts import BASES, Cohort, CohortBasis
from siyu.analytics.params import BadParam, choice_param, dashboard, parse_scope
from siyu.analytics.tables import Cell, Table, pct
from siyu.analytics.views import render_dashboard
from siyu.analytics.views.source import cohort_curves, read_source

MONTHS_SHOWN = 12


def _table(key: str, title: str, cohorts: list[Cohort], curve: str, basis: str) -> Table:
    width = min(max((len(c.retention) for c in cohorts), default=0), MONTHS_SHOWN + 1)
    first = _("Acquired") if basis == "acquired" else _("First purchase")
    headers = [first, _("Customers")] + [_("M%(n)s") % {"n": k} for k in range(width)]
    rows: list[list[Cell]] = []
    heat: list[list[float | None]] = []
    for c in cohorts:
        values = getattr(c, curve)[:width]
        rows.append([c.month.strftime("%Y-%m"), c.size, *(pct(v) for v in values)])
        heat.append([None, None, *values])
    return Table(key, title, headers, rows, heat)


@dashboard
def cohorts(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request, default_days=365)
    channel = request.GET.get("channel") or None
    if channel is not None and len(channel) > 60:
        raise BadParam(_("channel is too long"))
    basis: CohortBasis = "first_purchase"
    if choice_param(request, "basis", BASES, "acquired") == "acquired":
        basis = "acquired"
    src = read_source(request, scope)
    curves = cohort_curves(src, scope, channel, basis)
    curves = [c for c in curves if c.month >= scope.period.start.replace(day=1)]
    tables = [
        _table(
            "retention",
            _("Retention: share of the cohort buying in month k"),
            curves,
            "retention",
            basis,
        ),
        _table(
            "repurchase",
            _("Repurchase: share with a second order by month k"),
            curves,
            "repurchase",
            basis,
        ),
    ]
    shown = {c.month.strftime("%Y-%m"): [v * 100 for v in c.retention[1:]] for c in curves[-6:]}
    chart = line_chart(
        shown,
        title=_("Retention of the latest six cohorts"),
        x_label=_("Months after the cohort month"),
        y_label=_("Share buying in the month (%)"),
        empty=_(
            "No cohort of this period has a month after its first yet, so there is no "
            "retention to draw."
        ),
        x_values=list(range(1, max((len(v) for v in shown.values()), default=0) + 1)),
        y_fmt=percent,
    )
    return render_dashboard(
        request,
        "analytics/cohorts.html",
        scope,
        tables,
        chart=chart,
        channel=channel or "",
        basis=basis,
        page="cohorts",
        freshness=src.freshness(),
    )
