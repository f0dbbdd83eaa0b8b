"""GMV tree: the four factors, the split of the change against the previous period, and
the same factors per channel and per org unit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.analytics.charts import bar_chart
from siyu.analytics.gmv import GmvFactors, gmv_change, gmv_factors_by
from siyu.analytics.params import dashboard, parse_scope
from siyu.analytics.tables import Table, pct, yuan
from siyu.analytics.views import render_dashboard

FACTOR_LABELS = {
    "users": gettext_lazy("Users"),
    "conversion": gettext_lazy("Conversion"),
    "aov": gettext_lazy("Average order value (yuan)"),
    "frequency": gettext_lazy("Purchase frequency"),
}


def _factor_value(name: str, value: float) -> str:
    if name == "conversion":
        return pct(value)
    if name == "aov":
        return yuan(value)
    return f"{value:,.2f}" if name == "frequency" else f"{value:,.0f}"


def _breakdown(key: str, title: str, rows: dict[str, GmvFactors]) -> Table:
    headers = [
        _("Name"),
        _("Users"),
        _("Buyers"),
        _("Orders"),
        _("Conversion"),
        _("Average order value (yuan)"),
        _("Purchase frequency"),
        _("GMV (yuan)"),
    ]
    return Table(
        key,
        title,
        headers,
        [
            [
                name or _("(none)"),
                f.users,
                f.buyers,
                f.orders,
                pct(f.conversion),
                yuan(f.aov_fen),
                f"{f.frequency:.2f}",
                yuan(f.gmv_fen),
            ]
            for name, f in rows.items()
        ],
    )


@dashboard
def gmv_tree(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request)
    change = gmv_change(scope.customers, scope.period)
    factor_rows = [
        [
            str(FACTOR_LABELS[p.name]),
            _factor_value(p.name, p.before),
            _factor_value(p.name, p.after),
            yuan(p.share_fen),
        ]
        for p in change.parts
    ]
    factor_rows.append(
        [
            _("GMV (yuan)"),
            yuan(change.before.gmv_fen),
            yuan(change.after.gmv_fen),
            yuan(change.change_fen),
        ]
    )
    factors = Table(
        "factors",
        _("GMV = users × conversion × average order value × frequency"),
        [
            _("Factor"),
            _("Previous period"),
            _("This period"),
            _("Contribution to the change (yuan)"),
        ],
        factor_rows,
    )
    tables = [
        factors,
        _breakdown(
            "channels", _("By channel"), gmv_factors_by(scope.customers, scope.period, "channel")
        ),
        _breakdown(
            "org_units",
            _("By org unit"),
            gmv_factors_by(scope.customers, scope.period, "org_unit", scope.unit),
        ),
    ]
    chart = bar_chart(
        [str(FACTOR_LABELS[p.name]) for p in change.parts],
        [p.share_fen / 100 for p in change.parts],
        title=_("Contribution to the change"),
    )
    return render_dashboard(
        request, "analytics/gmv.html", scope, tables, chart=chart, change=change, page="gmv"
    )
