"""Lift: a treatment tag against its control tag, and the WeCom-added comparison. When a
group is empty or has no revenue the page says which and why, never a figure that is not
a number (inf×, 0.00 [0.00, 0.00])."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from siyu.analytics.charts import bar_chart, empty_chart
from siyu.analytics.intervals import Interval
from siyu.analytics.lift import (
    Comparison,
    EmptyGroup,
    LiftResult,
    measure_lift,
)
from siyu.analytics.params import BadParam, dashboard, int_param, parse_scope
from siyu.analytics.tables import Cell, Table, pct, yuan
from siyu.analytics.views import render_dashboard
from siyu.analytics.views.source import compare_wecom_added, read_source
from siyu.customers.models import Tag

NOT_A_NUMBER = "—"


def _ci(i: Interval, money: bool) -> str:
    f = yuan if money else pct
    return f"{f(i.estimate)} [{f(i.low)}, {f(i.high)}]"


def _ratio(value: float | None) -> str:
    return NOT_A_NUMBER if value is None else f"{value:.2f}×"


def _tag(request: HttpRequest, name: str) -> Tag | None:
    pk = int_param(request, name)
    if pk is None:
        return None
    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise BadParam(_("No such tag: %(name)s") % {"name": name})
    return tag


def empty_group_message(exc: EmptyGroup, tags: dict[str, Tag | None] | None = None) -> str:
    """Which group is too small, and why that stops the comparison."""
    tag = (tags or {}).get(exc.group)
    names = {
        "treated": _("The treatment group (tag %(tag)s)") % {"tag": tag},
        "control": _("The control group (tag %(tag)s)") % {"tag": tag},
        "wecom": _("The group of customers added on WeCom"),
        "others": _("The group of customers not added on WeCom"),
    }
    if exc.group == "strata":
        return _(
            "No stratum (acquisition month × channel × prior spend) has at least two customers "
            "added on WeCom and two others, so there is no controlled comparison."
        )
    return _(
        "%(group)s has %(n)s customers acquired by the end of this period in this scope; a "
        "comparison needs at least two in each group."
    ) % {"group": names[exc.group], "n": exc.size}


def _lift_table(r: LiftResult) -> Table:
    revenue: Cell = _ci(r.revenue_difference, True)
    notes = []
    if r.no_revenue:
        revenue = NOT_A_NUMBER
        notes.append(_("Neither group bought anything in this period: no revenue difference."))
    return Table(
        "lift",
        _("Treatment vs held-out control (95% interval)"),
        [_("Metric"), _("Treatment"), _("Control"), _("Difference [95% CI]")],
        [
            [_("Customers"), r.treated, r.control, ""],
            [
                _("Conversion"),
                pct(r.conversion_treated),
                pct(r.conversion_control),
                _ci(r.conversion_difference, False),
            ],
            [
                _("Revenue per customer (yuan)"),
                yuan(r.revenue_treated_fen),
                yuan(r.revenue_control_fen),
                revenue,
            ],
        ],
        notes=notes,
    )


def _wecom_table(w: Comparison) -> Table:
    notes = []
    naive, controlled = _ci(w.naive, True), _ci(w.controlled, True)
    if w.no_revenue:
        naive = controlled = NOT_A_NUMBER
        notes.append(_("Neither group bought anything in this period: nothing to compare."))
    elif w.naive_ratio is None or w.controlled_ratio is None:
        notes.append(
            _(
                "A ratio is not shown where the customers not added on WeCom have no revenue in "
                "the period: dividing by zero gives no number."
            )
        )
    return Table(
        "wecom",
        _("“Customers added on WeCom give 3× GMV”: naive vs controlled"),
        [_("Comparison"), _("GMV per customer difference (yuan) [95% CI]"), _("Ratio")],
        [
            [
                _("Naive: WeCom-added vs all others"),
                naive,
                NOT_A_NUMBER if w.no_revenue else _ratio(w.naive_ratio),
            ],
            [
                _("Controlled: within acquisition month × channel × prior spend"),
                controlled,
                NOT_A_NUMBER if w.no_revenue else _ratio(w.controlled_ratio),
            ],
        ],
        notes=notes,
    )


def wecom_chart(w: Comparison | None, why: str) -> SafeString:
    """The naive and the controlled WeCom difference side by side (intervals in the table)."""
    title = _("GMV per customer: added on WeCom minus the others")
    if w is None or w.no_revenue:
        return empty_chart(title, why or _("Neither group bought anything in this period."))
    return bar_chart(
        [_("Naive"), _("Controlled")],
        [w.naive.estimate / 100, w.controlled.estimate / 100],
        title=title,
        category_label=_("Comparison"),
        value_label=_("Difference per customer (yuan)"),
        empty="",
    )


@dashboard
def lift(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request, default_days=30)
    tables, problems = [], []
    treatment, control = _tag(request, "treatment"), _tag(request, "control")
    if treatment and control:
        try:
            r = measure_lift(
                scope.customers.filter(tag_links__tag=treatment),
                scope.customers.filter(tag_links__tag=control),
                scope.period,
            )
        except EmptyGroup as exc:
            problems.append(empty_group_message(exc, {"treated": treatment, "control": control}))
        else:
            tables.append(_lift_table(r))
    wecom, why = None, ""
    src = read_source(request, scope)
    try:
        wecom = compare_wecom_added(src, scope)
    except EmptyGroup as exc:
        why = empty_group_message(exc)
        problems.append(why)
    else:
        tables.append(_wecom_table(wecom))
    return render_dashboard(
        request,
        "analytics/lift.html",
        scope,
        tables,
        tags=Tag.objects.select_related("group").order_by("group__sort_order", "name"),
        treatment=treatment,
        control=control,
        problems=problems,
        chart=wecom_chart(wecom, why),
        page="lift",
        freshness=src.freshness(),
    )
