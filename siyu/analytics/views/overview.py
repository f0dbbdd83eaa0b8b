"""Overview: the period's health metrics and the lifecycle stage they point to."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.analytics.activity import Health
from siyu.analytics.charts import bar_chart
from siyu.analytics.definitions import notes
from siyu.analytics.lifecycle import current_stage, stages
from siyu.analytics.params import dashboard, parse_scope
from siyu.analytics.tables import Table, pct, yuan
from siyu.analytics.views import compare_choice, compare_options, render_dashboard
from siyu.analytics.views.source import gmv_change, health, read_source

STAGE_LABELS = {
    "cold_start": gettext_lazy("Cold start"),
    "acquisition": gettext_lazy("Acquisition"),
    "activation": gettext_lazy("Activation"),
    "revenue": gettext_lazy("Revenue"),
    "retention": gettext_lazy("Retention"),
    "churn": gettext_lazy("Churn"),
}

# The metrics each stage watches, in words and units (a fraction reads as a percentage).
METRIC_LABELS = {
    "customers": (gettext_lazy("Customers"), "count"),
    "new_customers": (gettext_lazy("New customers"), "count"),
    "growth": (gettext_lazy("Growth"), "share"),
    "ever_paid_share": (gettext_lazy("Share ever paid"), "share"),
    "gmv_fen": (gettext_lazy("GMV (yuan)"), "fen"),
    "arpu_fen": (gettext_lazy("ARPU (yuan)"), "fen"),
    "arppu_fen": (gettext_lazy("ARPPU (yuan)"), "fen"),
    "activity_frequency": (gettext_lazy("Active days per active customer"), "number"),
    "payment_cycle_days": (gettext_lazy("Days between orders"), "number"),
    "churn_rate": (gettext_lazy("Churn"), "share"),
    "unfollow_rate": (gettext_lazy("Unfollow rate"), "share"),
}


@dashboard
def overview(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request)
    compare = compare_choice(request)
    base = scope.period.compared(compare)
    src = read_source(request, scope)
    h = health(src, scope)
    change = gmv_change(src, scope, base)
    metrics = Table(
        "metrics",
        _("Metrics"),
        [_("Metric"), _("Value")],
        [
            [_("Customers"), h.customers],
            [_("New customers"), h.new_customers],
            [_("GMV (yuan)"), yuan(h.gmv_fen)],
            [
                _("GMV change vs %(dates)s (yuan)") % {"dates": base.label()},
                yuan(change.change_fen),
            ],
            [_("Buyers"), h.buyers],
            [_("Paying conversion"), pct(h.paying_conversion)],
            [_("Share ever paid"), pct(h.ever_paid_share)],
            [_("ARPU (yuan)"), yuan(h.arpu_fen)],
            [_("ARPPU (yuan)"), yuan(h.arppu_fen)],
            [
                _("Churn (buyers of %(dates)s not buying)")
                % {"dates": scope.period.previous().label()},
                pct(h.churn_rate),
            ],
            [_("Payment cycle (median days between orders)"), _days(h.payment_cycle_days)],
            [_("Active customers"), h.active_customers],
            [
                _("Activity frequency (active days per active customer)"),
                f"{h.activity_frequency:.2f}",
            ],
            [_("Message open rate"), _rate(h, h.opens_recorded, h.open_rate)],
            [_("Message click rate"), _rate(h, h.clicks_recorded, h.click_rate)],
            [_("Unfollow rate (WeCom deletions)"), pct(h.unfollow_rate)],
        ],
        notes=notes("users", "paying_conversion", "ever_paid_share", "churn", "open_rate"),
    )
    stage_rows = [
        [
            str(STAGE_LABELS[s.key]),
            _("; ").join(_metric(k, v) for k, v in s.metrics.items()),
            _("ok") if s.healthy else _("needs attention"),
        ]
        for s in stages(h)
    ]
    lifecycle = Table(
        "lifecycle",
        _("Lifecycle stages"),
        [_("Stage"), _("Watched metrics"), _("Status")],
        stage_rows,
    )
    chart = bar_chart(
        [_("Customers"), _("New customers"), _("Active customers"), _("Buyers")],
        [float(h.customers), float(h.new_customers), float(h.active_customers), float(h.buyers)]
        if h.customers
        else [],
        title=_("Customers of the period"),
        category_label=_("Metric"),
        value_label=_("Customers (people)"),
        empty=_("No customer in this scope was acquired by the end of the period."),
    )
    return render_dashboard(
        request,
        "analytics/overview.html",
        scope,
        [metrics, lifecycle],
        stage=STAGE_LABELS[current_stage(h)],
        chart=chart,
        base_period=base,
        compare_options=compare_options(compare),
        page="overview",
        freshness=src.freshness(),
    )


def _rate(h: Health, recorded: bool, rate: float | None) -> str:
    if not recorded:
        return _("No data yet: nothing records message opens and clicks yet")
    if rate is None or not h.messages_sent:
        return _("No messages sent in this period")
    return pct(rate)


def _days(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


def _metric(key: str, value: float) -> str:
    label, kind = METRIC_LABELS.get(key, (key, "number"))
    if kind == "share":
        shown = pct(value)
    elif kind == "fen":
        shown = yuan(int(value))
    elif kind == "count":
        shown = f"{value:,.0f}"
    else:
        shown = f"{value:,.2f}"
    return f"{label} {shown}"
