"""Template helpers for dashboards: heatmap cell shading."""

from __future__ import annotations

from django import template

register = template.Library()


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
