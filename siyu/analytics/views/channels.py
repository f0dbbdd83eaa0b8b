"""Channels: CAC, ROI, payback and first-order conversion, with a budget suggestion."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from siyu.analytics.channels import BudgetLine, spend_scope, suggest_budget
from siyu.analytics.charts import bar_chart, percent
from siyu.analytics.params import dashboard, parse_scope
from siyu.analytics.tables import Table, pct, yuan
from siyu.analytics.views import render_dashboard
from siyu.analytics.views.source import channel_rows, read_source


def _reason(line: BudgetLine) -> str:
    if line.reason == "below":
        return _("ROI below the median: move 20% of its budget to better channels")
    if line.reason == "above":
        return _(
            "ROI at or above the median: receives budget in proportion to revenue per yuan × conversion"
        )
    return _("Too few channels with spend to compare")


@dashboard
def channels(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request, default_days=90)
    spend = spend_scope(request.user, scope.unit)
    src = read_source(request, scope)
    rows = channel_rows(src, scope, spend)
    table = Table(
        "channels",
        _("Channels (customers acquired in the period)"),
        [
            _("Channel"),
            _("Spend (yuan)"),
            _("New customers"),
            _("CAC (yuan)"),
            _("First-order conversion"),
            _("Revenue to date (yuan)"),
            _("ROI"),
            _("Payback (months)"),
        ],
        [
            [
                r.channel or _("(none)"),
                yuan(r.spend_fen),
                r.new_customers,
                yuan(r.cac_fen),
                pct(r.conversion),
                yuan(r.revenue_fen),
                pct(r.roi),
                r.payback_months,
            ]
            for r in rows
        ],
    )
    budget = Table(
        "budget",
        _("Budget suggestion"),
        [_("Channel"), _("Current (yuan)"), _("Suggested (yuan)"), _("Why")],
        [
            [b.channel, yuan(b.current_fen), yuan(b.suggested_fen), _reason(b)]
            for b in suggest_budget(rows)
        ],
    )
    chart = bar_chart(
        [r.channel or _("(none)") for r in rows],
        [r.conversion * 100 for r in rows],
        title=_("First-order conversion by channel"),
        category_label=_("Channel"),
        value_label=_("First-order conversion (%)"),
        empty=_("No customer was acquired in this period, so no channel has a conversion yet."),
        fmt=percent,
    )
    return render_dashboard(
        request,
        "analytics/channels.html",
        scope,
        [table, budget],
        chart=chart,
        page="channels",
        freshness=src.freshness(),
        spend_note=None
        if spend is not None
        else _(
            "Spend is recorded per channel for the brand or a unit, not for your scope: "
            "spend, CAC, ROI and payback are left empty here."
        ),
    )
