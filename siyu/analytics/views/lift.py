"""Lift: a treatment tag against its control tag, and the WeCom-added comparison."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from siyu.analytics.intervals import Interval
from siyu.analytics.lift import compare_wecom_added, measure_lift
from siyu.analytics.params import BadParam, dashboard, int_param, parse_scope
from siyu.analytics.tables import Table, pct, yuan
from siyu.analytics.views import render_dashboard
from siyu.customers.models import Tag


def _ci(i: Interval, money: bool) -> str:
    f = yuan if money else pct
    return f"{f(i.estimate)} [{f(i.low)}, {f(i.high)}]"


def _tag(request: HttpRequest, name: str) -> Tag | None:
    pk = int_param(request, name)
    if pk is None:
        return None
    tag = Tag.objects.filter(pk=pk).first()
    if tag is None:
        raise BadParam(_("No such tag: %(name)s") % {"name": name})
    return tag


@dashboard
def lift(request: HttpRequest) -> HttpResponse:
    scope = parse_scope(request, default_days=30)
    tables = []
    treatment, control = _tag(request, "treatment"), _tag(request, "control")
    if treatment and control:
        r = measure_lift(
            scope.customers.filter(tag_links__tag=treatment),
            scope.customers.filter(tag_links__tag=control),
            scope.period,
        )
        tables.append(
            Table(
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
                        _ci(r.revenue_difference, True),
                    ],
                ],
            )
        )
    try:
        w = compare_wecom_added(scope.customers, scope.period)
    except ValueError as exc:
        problem = str(exc)
    else:
        problem = ""
        tables.append(
            Table(
                "wecom",
                _("“Customers added on WeCom give 3× GMV”: naive vs controlled"),
                [_("Comparison"), _("GMV per customer difference (yuan) [95% CI]"), _("Ratio")],
                [
                    [
                        _("Naive: WeCom-added vs all others"),
                        _ci(w.naive, True),
                        f"{w.naive_ratio:.2f}×",
                    ],
                    [
                        _("Controlled: within acquisition month × channel × prior spend"),
                        _ci(w.controlled, True),
                        f"{w.controlled_ratio:.2f}×",
                    ],
                ],
            )
        )
    return render_dashboard(
        request,
        "analytics/lift.html",
        scope,
        tables,
        tags=Tag.objects.select_related("group").order_by("group__sort_order", "name"),
        treatment=treatment,
        control=control,
        problem=problem,
        page="lift",
    )
