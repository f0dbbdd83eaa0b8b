"""CLV: BG/NBD + Gamma-Gamma fitted on the visible customers' orders."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest, HttpResponse
from django.utils import formats
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from siyu.analytics.charts import bar_chart
from siyu.analytics.params import Scope, dashboard, parse_scope
from siyu.analytics.tables import Table, pct, yuan
from siyu.analytics.views import render_dashboard
from siyu.analytics.views.source import clv_report, read_source
from siyu.customers.models import Customer

if TYPE_CHECKING:
    from siyu.analytics.clv.fits import Fitted

# While the worker fits a scope seen for the first time, the page looks again this often.
PENDING_RELOAD_SECONDS = 10


@dashboard
def clv(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request, default_days=365)
    src = read_source(request, scope)
    from siyu.analytics.clv.fits import Fitted, Pending, models_of
    from siyu.analytics.clv.report import outputs

    try:
        found = clv_report(src, scope)
    except Pending as pending:
        return _pending(request, scope, pending, freshness=src.freshness())
    except ValueError as exc:
        return render_dashboard(
            request,
            "analytics/clv.html",
            scope,
            [],
            problem=str(exc),
            page="clv",
            freshness=src.freshness(),
        )
    if isinstance(found, Fitted):
        shown, (bg, gg) = found.outputs, models_of(found.fit.params or {})
    else:  # the ORM reference's own fit
        shown, bg, gg = outputs(found), found.bg, found.gg
    names = dict(
        Customer.objects.filter(pk__in=[row[0] for row in shown["top"]]).values_list(
            "pk", "display_name"
        )
    )
    top = Table(
        "customers",
        _("Most valuable customers"),
        [
            _("Customer"),
            _("Repeat purchases"),
            _("P(alive)"),
            _("Expected purchases, next 90 days"),
            _("CLV, 12 months (yuan)"),
        ],
        [
            [
                names.get(cid, f"#{cid}"),
                x,
                pct(alive),
                f"{expected:.2f}",
                yuan(value) if value is not None else "",
            ]
            for cid, x, alive, expected, value in shown["top"]
        ],
    )
    counts = shown["bands"]
    labels = ["<20%", "20–50%", "50–80%", "≥80%"]
    risk = Table(
        "churn_risk",
        _("Churn risk (P(alive) bands)"),
        [_("P(alive)"), _("Customers")],
        [[lab, int(n)] for lab, n in zip(labels, counts, strict=True)],
    )
    params = Table(
        "parameters",
        _("Fitted parameters"),
        [_("Model"), _("Parameters")],
        [["BG/NBD", f"r={bg.r:.3f} α={bg.alpha:.3f} a={bg.a:.3f} b={bg.b:.3f}"]]
        + ([["Gamma-Gamma", f"p={gg.p:.3f} q={gg.q:.3f} v={gg.v:.1f}"]] if gg else []),
    )
    chart = bar_chart(
        labels,
        [float(n) for n in counts],
        title=_("Churn risk"),
        category_label=_("P(alive)"),
        value_label=_("Customers (people)"),
        empty=_("No customer to score."),
    )
    return render_dashboard(
        request,
        "analytics/clv.html",
        scope,
        [params, risk, top],
        chart=chart,
        page="clv",
        freshness=src.freshness(),
        fitted=_fitted_line(found, scope) if isinstance(found, Fitted) else "",
    )


def _fitted_line(found: Fitted, scope: Scope) -> str:
    fit = found.fit
    line = _(
        "Models fitted %(age)s ago on %(customers)d buying customers (orders before "
        "%(until)s) by the worker, which refits them hourly."
    ) % {
        "age": timesince(fit.fitted_at) if fit.fitted_at else "0",
        "customers": fit.customers,
        "until": formats.date_format(fit.until, "Y-m-d"),
    }
    if found.refitting:
        line += " " + (
            _("A fit for this period is running; the page uses it once it is done.")
            if fit.until != scope.period.end
            else _("A newer fit is running.")
        )
    return line


def _pending(
    request: HttpRequest, scope: Scope, pending: Exception, *, freshness: str
) -> HttpResponse:
    message = _(
        "The lifetime value models of this scope are being fitted by the worker (about a "
        "minute for a million buying customers). This page looks again every %(seconds)d "
        "seconds."
    ) % {"seconds": PENDING_RELOAD_SECONDS}
    if request.GET.get("csv") is not None:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(PENDING_RELOAD_SECONDS)
        # Expected while a fit runs, not a fault: Django would log every 5xx as an error.
        response._has_been_logged = True  # type: ignore[attr-defined]
        return response
    return render_dashboard(
        request,
        "analytics/clv.html",
        scope,
        [],
        pending=message,
        reload_seconds=PENDING_RELOAD_SECONDS,
        page="clv",
        freshness=freshness,
    )
