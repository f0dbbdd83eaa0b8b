"""Template helpers for dashboards: heatmap cell shading and charts drawn from data a page
already has (so a template can place a chart without its view building one)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from siyu.analytics.charts import line_chart, percent

register = template.Library()
HEAT_STEPS = 10


@register.filter
def heat_class(value: float | None) -> str:
    """Shade of a heatmap cell in tenths (``heat-0`` … ``heat-10`` in console.css): a class,
    not an inline style, which the Content-Security-Policy forbids. Empty for label columns."""
    if value is None:
        return ""
    return f"heat-{round(max(0.0, min(1.0, float(value))) * 10)}"


@register.filter
def zip_heat(rows: list[list[object]], heat: list[list[float | None]] | None) -> list[object]:
    """Rows paired cell by cell with their heat (None everywhere when there is none)."""
    if heat is None:
        return [[(cell, None) for cell in row] for row in rows]
    return [list(zip(row, h, strict=True)) for row, h in zip(rows, heat, strict=True)]


@register.simple_tag
def pareto_chart(pareto: Any) -> SafeString:
    """The Pareto curve of segments' layering page: share of net GMV by top % of buyers."""
    points = pareto.points if pareto.buyers else []
    return line_chart(
        {_("Share of net GMV"): [p.share * 100 for p in points]},
        title=_("Pareto curve"),
        x_label=_("Top share of buyers (%)"),
        y_label=_("Share of net GMV (%)"),
        empty=_("No customer in this scope has bought yet, so there is no curve to draw."),
        x_values=[p.top_percent for p in points],
        x_fmt=lambda v: f"{v:.0f}%",
        y_fmt=percent,
    )
