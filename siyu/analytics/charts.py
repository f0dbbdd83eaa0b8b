"""Server-side SVG charts, hand-rolled: a page needs bars and lines, and drawing them here
costs ~100 lines against a charting dependency plus its assets. No JavaScript, nothing
fetched at run time, and labels are escaped like any template output."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 640, 220, 36
COLOURS = ("#2f6fdf", "#e07b39", "#3aa57a", "#b04fc9", "#c94f4f", "#7a7a7a")


def bar_chart(labels: list[str], values: list[float], *, title: str = "") -> SafeString:
    """Vertical bars; negative values hang below the zero line."""
    if not values:
        return mark_safe("")
    top, bottom = max(*values, 0.0), min(*values, 0.0)
    span = (top - bottom) or 1.0
    plot_h = HEIGHT - 2 * PAD
    zero_y = PAD + plot_h * top / span
    step = (WIDTH - 2 * PAD) / len(values)
    parts = [_open(title), _line(PAD, zero_y, WIDTH - PAD, zero_y)]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = plot_h * abs(value) / span
        x = PAD + i * step + step * 0.15
        y = zero_y - h if value >= 0 else zero_y
        colour = COLOURS[0] if value >= 0 else COLOURS[4]
        parts.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" '
            f'fill="{colour}"><title>{escape(label)}: {value:,.2f}</title></rect>'
        )
        parts.append(_text(x + step * 0.35, HEIGHT - 8, label))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label went through escape()


def line_chart(series: dict[str, list[float]], *, title: str = "") -> SafeString:
    """One polyline per series over x = 0..n-1 (e.g. months since acquisition)."""
    longest = max((len(v) for v in series.values()), default=0)
    if longest == 0:
        return mark_safe("")
    top = max((max(v) for v in series.values() if v), default=1.0) or 1.0
    step = (WIDTH - 2 * PAD) / max(longest - 1, 1)
    plot_h = HEIGHT - 2 * PAD
    parts = [_open(title), _line(PAD, HEIGHT - PAD, WIDTH - PAD, HEIGHT - PAD)]
    for n, (name, values) in enumerate(series.items()):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(
            f"{PAD + i * step:.1f},{HEIGHT - PAD - plot_h * v / top:.1f}"
            for i, v in enumerate(values)
        )
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(name)}</title></polyline>"
        )
        parts.append(
            f'<text x="{WIDTH - PAD + 4}" y="{PAD + 14 * n}" font-size="11" '
            f'fill="{colour}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every label went through escape()


def _open(title: str) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {WIDTH + 80} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
    )


def _line(x1: float, y1: float, x2: float, y2: float) -> str:
    return f'<line x1="{x1}" y1="{y1:.1f}" x2="{x2}" y2="{y2:.1f}" stroke="#9aa5b1"/>'


def _text(x: float, y: float, label: str) -> str:
    return (
        f'<text x="{x:.1f}" y="{y}" font-size="11" text-anchor="middle" '
        f'fill="#6b7785">{escape(label[:10])}</text>'
    )
