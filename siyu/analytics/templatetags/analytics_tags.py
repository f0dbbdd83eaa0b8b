"""Template helpers for dashboards: heatmap cell shading."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def heat_style(value: float | None) -> str:
    """Background for a heatmap cell; empty for label columns."""
    if value is None:
        return ""
    alpha = max(0.0, min(1.0, float(value)))
    return f"background: rgba(47, 111, 223, {alpha:.2f})"


@register.filter
def zip_heat(rows: list[list[object]], heat: list[list[float | None]] | None) -> list[object]:
    """Rows paired cell by cell with their heat (None everywhere when there is none)."""
    if heat is None:
        return [[(cell, None) for cell in row] for row in rows]
    return [list(zip(row, h, strict=True)) for row, h in zip(rows, heat, strict=True)]
