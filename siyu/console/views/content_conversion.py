"""Conversion per material and per variant (素材转化): sends, readers, opens, clicks, orders
and revenue within the attribution window; best and worst; two variants with their 95 %
interval (analytics' intervals)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from siyu.analytics.charts import bar_chart
from siyu.analytics.intervals import proportion_difference
from siyu.analytics.tables import pct, yuan
from siyu.console.views.channels import require_hq
from siyu.content.conversion import Row, Touch, best_and_worst, conversion
from siyu.content.models import Material
from siyu.core.params import BadParameter, bad_parameter_response, parse_id, parse_int

MAX_ROWS = 30


def _params(request: HttpRequest) -> tuple[int, str, int | None]:
    days = parse_int(request.GET, "days", minimum=1, maximum=90, default=None)
    touch = Touch.FIRST if request.GET.get("touch") == Touch.FIRST else Touch.LAST
    return days or 0, touch, parse_id(request.GET, "material")


def _view(r: Row) -> dict[str, Any]:
    return {"row": r, "rate": pct(r.rate), "revenue": yuan(r.revenue_fen)}


def _compare(rows: list[Row]) -> dict[str, Any] | None:
    """The two variants with the most recipients, A against B."""
    pair = sorted((r for r in rows if r.recipients), key=lambda r: -r.recipients)[:2]
    if len(pair) < 2:
        return None
    a, b = pair
    iv = proportion_difference(a.converted, a.recipients, b.converted, b.recipients)
    return {
        "a": a,
        "b": b,
        "estimate": pct(iv.estimate),
        "low": pct(iv.low),
        "high": pct(iv.high),
        "clear": iv.excludes_zero,
    }


@login_required
def conversion_page(request: HttpRequest) -> HttpResponse:
    require_hq(request)
    try:
        days, touch, material_id = _params(request)
    except BadParameter as exc:
        return bad_parameter_response(exc)
    rows = conversion(days=days or None, touch=touch)
    best, worst = best_and_worst(rows)
    shown = rows[:MAX_ROWS]
    chart = bar_chart(
        [r.title for r in shown],
        [r.revenue_fen / 100 for r in shown],
        title=_("Revenue per material"),
        category_label=_("Material"),
        value_label=_("Revenue within the window (yuan)"),
        empty=_("No material has been sent yet."),
    )
    material = Material.objects.filter(pk=material_id).first() if material_id else None
    variants = (
        conversion(per_variant=True, material_id=material.pk, days=days or None, touch=touch)
        if material
        else []
    )
    context = {
        "rows": [_view(r) for r in shown],
        "best": [_view(r) for r in best],
        "worst": [_view(r) for r in worst],
        "chart": chart,
        "material": material,
        "variants": [_view(r) for r in variants],
        "compare": _compare(variants),
        "days": days,
        "touch": touch,
        "section": "content",
    }
    return render(request, "console/content/conversion.html", context)
