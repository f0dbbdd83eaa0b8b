"""CLV: BG/NBD + Gamma-Gamma fitted on the visible customers' orders."""

from __future__ import annotations

import numpy as np
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from siyu.analytics.charts import bar_chart
from siyu.analytics.params import dashboard, parse_scope
from siyu.analytics.tables import Table, pct, yuan
from siyu.analytics.views import render_dashboard
from siyu.analytics.views.source import clv_age, clv_report, read_source
from siyu.customers.models import Customer

TOP = 50
ALIVE_BANDS = (0.0, 0.2, 0.5, 0.8, 1.01)


@dashboard
def clv(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request, default_days=365)
    src = read_source(request, scope)
    try:
        report = clv_report(src, scope)
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
    s = report.summary
    value = report.clv_fen if report.clv_fen is not None else np.zeros_like(s.x)
    order = np.argsort(-value if report.clv_fen is not None else -report.expected_90d)[:TOP]
    names = dict(
        Customer.objects.filter(pk__in=s.customer_id[order].tolist()).values_list(
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
                names.get(int(s.customer_id[i]), f"#{s.customer_id[i]}"),
                int(s.x[i]),
                pct(float(report.p_alive[i])),
                f"{report.expected_90d[i]:.2f}",
                yuan(float(value[i])) if report.clv_fen is not None else "",
            ]
            for i in order
        ],
    )
    counts = np.histogram(report.p_alive, bins=ALIVE_BANDS)[0]
    labels = ["<20%", "20–50%", "50–80%", "≥80%"]
    risk = Table(
        "churn_risk",
        _("Churn risk (P(alive) bands)"),
        [_("P(alive)"), _("Customers")],
        [[lab, int(n)] for lab, n in zip(labels, counts, strict=True)],
    )
    bg, gg = report.bg, report.gg
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
        fitted=clv_age(src, scope),
    )
