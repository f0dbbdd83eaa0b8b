"""GMV tree: the four factors, the split of the change against the chosen comparison
period (whose dates the page and the CSV show), and the same factors per channel and per
org unit."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from siyu.analytics.charts import bar_chart
from siyu.analytics.definitions import notes
from siyu.analytics.gmv import GmvChange, GmvFactors
from siyu.analytics.params import dashboard, parse_scope
from siyu.analytics.periods import Period
from siyu.analytics.tables import Cell, Table, pct, yuan
from siyu.analytics.views import compare_choice, compare_options, render_dashboard
from siyu.analytics.views.source import gmv_change, gmv_factors_by, read_source

FACTOR_LABELS = {
    "users": gettext_lazy("Users"),
    "conversion": gettext_lazy("Paying conversion"),
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
        pgettext("a channel, store or other group", "Name"),
        _("Users"),
        _("Buyers"),
        _("Orders"),
        _("Paying conversion"),
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


def cannot_explain(change: GmvChange) -> str:
    """Why the change has no split, naming the period(s) without users ("" if it has one)."""
    if change.explained:
        return ""
    empty = change.periods_without_users
    if empty == ["before"]:
        where = _("the comparison period")
    elif empty == ["after"]:
        where = _("this period")
    else:
        where = _("both periods")
    return _(
        "The four-factor model cannot explain this change: %(where)s had orders but no users "
        "(no customer of this scope was acquired by its end), so conversion is undefined. "
        "No split is shown rather than an invented one."
    ) % {"where": where}


def factor_rows(change: GmvChange) -> list[list[Cell]]:
    """Factor, compared value, this period's value and contribution (yuan), as shown."""
    return [
        [
            str(FACTOR_LABELS[p.name]),
            _factor_value(p.name, p.before),
            _factor_value(p.name, p.after),
            yuan(p.share_fen) if change.explained else "—",
        ]
        for p in change.parts
    ]


def _factors_table(change: GmvChange, period: Period, base: Period) -> Table:
    rows = factor_rows(change)
    rows.append(
        [
            _("GMV (yuan)"),
            yuan(change.before.gmv_fen),
            yuan(change.after.gmv_fen),
            yuan(change.change_fen),
        ]
    )
    return Table(
        "factors",
        _("GMV = users × conversion × average order value × frequency"),
        [
            _("Factor"),
            _("Compared period %(dates)s") % {"dates": base.label()},
            _("This period %(dates)s") % {"dates": period.label()},
            _("Contribution to the change (yuan)"),
        ],
        rows,
        notes=[
            *([cannot_explain(change)] if not change.explained else []),
            *notes("users", "paying_conversion", "gmv"),
        ],
    )


@dashboard
def gmv_tree(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request)
    compare = compare_choice(request)
    base = scope.period.compared(compare)
    src = read_source(request, scope)
    change = gmv_change(src, scope, base)
    tables = [
        _factors_table(change, scope.period, base),
        _breakdown("channels", _("By channel"), gmv_factors_by(src, scope, "channel")),
        _breakdown("org_units", _("By org unit"), gmv_factors_by(src, scope, "org_unit")),
    ]
    chart = bar_chart(
        [str(FACTOR_LABELS[p.name]) for p in change.parts] if change.explained else [],
        [p.share_fen / 100 for p in change.parts] if change.explained else [],
        title=_("Contribution to the change"),
        category_label=_("Factor"),
        value_label=_("Contribution to the GMV change (yuan)"),
        empty=cannot_explain(change),
    )
    return render_dashboard(
        request,
        "analytics/gmv.html",
        scope,
        tables,
        chart=chart,
        change=change,
        problem=cannot_explain(change),
        base_period=base,
        compare_options=compare_options(compare),
        page="gmv",
        freshness=src.freshness(),
    )
