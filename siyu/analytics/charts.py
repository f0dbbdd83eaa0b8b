"""The one chart component of the console: server-side SVG, hand-rolled.

Every chart has a title, labelled axes (the caller's label names the unit), its values on
hover (an SVG ``<title>`` on every bar and point, and the value printed beside each bar),
a legend listing only the series actually drawn, and an empty state that says why there is
nothing to draw. Drawing here costs a couple of hundred lines against a charting dependency
and its assets; nothing is fetched at run time, no script runs, and every label is escaped.

Layout is sized for a phone: the view box is 400 units wide, so at 390 px the 13-unit text
is still ~11 px; the stylesheet caps the width on a desktop. Bars are horizontal, so
category names (channels, bands) read left to right at any width.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH = 400
FONT = 13
TITLE_FONT = 15
TOP = 44  # below the title
ROW = 28  # one bar
PLOT_H = 170  # line charts
COLOURS = ("#2f6fdf", "#e07b39", "#3aa57a", "#b04fc9", "#c94f4f", "#7a7a7a", "#1f9bb4")
NEGATIVE = "#c94f4f"
AXIS = "#9aa5b1"
MUTED = "#6b7785"
MAX_LABEL = 120  # width of the category column of a bar chart
Fmt = Callable[[float], str]


def plain(value: float) -> str:
    """Default value format: whole numbers without decimals, others with two."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def percent(value: float) -> str:
    """For values already multiplied by 100."""
    return f"{value:.1f}%"


@dataclass(frozen=True)
class _Frame:
    """Where the plot sits inside the view box."""

    left: float
    right: float
    top: float
    bottom: float


def text_width(text: str, size: float = FONT) -> float:
    """Rough advance width: CJK glyphs are square, Latin ones about 0.6 em."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in text)


def _clip(text: str, width: float) -> str:
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def nice_ticks(low: float, high: float, count: int = 4, *, whole: bool = False) -> list[float]:
    """Round tick values covering [low, high]; ``whole`` keeps them integers (months)."""
    if high <= low:
        high = low + 1
    raw = (high - low) / count
    if whole:
        raw = max(raw, 1.0)
    magnitude = 10 ** math.floor(math.log10(raw))
    steps = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in steps if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _text(x: float, y: float, label: str, *, anchor: str = "start", cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return (
        f'<text{klass} x="{x:.1f}" y="{y:.1f}" font-size="{FONT}" text-anchor="{anchor}" '
        f'fill="{MUTED}">{escape(label)}</text>'
    )


def _line(x1: float, y1: float, x2: float, y2: float, colour: str = AXIS) -> str:
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" stroke="{colour}"/>'


def _svg(title: str, height: float, body: list[str], *, empty: bool = False) -> SafeString:
    klass = "chart empty" if empty else "chart"
    head = (
        f'<svg class="{klass}" viewBox="0 0 {WIDTH} {height:.0f}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<text class="chart-title" x="0" y="20" font-size="{TITLE_FONT}" font-weight="600" '
        f'fill="#1f2933">{escape(title)}</text>'
    )
    # Every string above and in ``body`` went through escape().
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308


def _wrap(text: str, width: float) -> list[str]:
    lines, current = [], ""
    for ch in text:
        if text_width(current + ch) > width and current:
            lines.append(current)
            current = ""
        current += ch
    return [*lines, current] if current else lines


def empty_chart(title: str, why: str) -> SafeString:
    """A chart with nothing to draw: its title and the reason, in words."""
    lines = _wrap(why, WIDTH - 40)
    body = [
        f'<text class="chart-empty" x="{WIDTH / 2}" y="{64 + 18 * i}" font-size="{FONT + 1}" '
        f'text-anchor="middle" fill="{MUTED}">{escape(line)}</text>'
        for i, line in enumerate(lines)
    ]
    return _svg(title, 84 + 18 * len(lines), body, empty=True)


def _value_axis(
    frame: _Frame, ticks: list[float], scale: Callable[[float], float], fmt: Fmt
) -> list[str]:
    parts = ['<g class="axis x">', _line(frame.left, frame.bottom, frame.right, frame.bottom)]
    for tick in ticks:
        x = scale(tick)
        parts.append(_line(x, frame.top, x, frame.bottom, "#eef0f3"))
        parts.append(_text(x, frame.bottom + FONT + 4, fmt(tick), anchor="middle"))
    parts.append("</g>")
    return parts


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    category_label: str,
    value_label: str,
    empty: str,
    fmt: Fmt = plain,
) -> SafeString:
    """Horizontal bars, one per label; negative values extend left of the zero line.
    ``value_label`` names the unit (e.g. "Conversion (%)"), ``empty`` says why no bar
    would be drawn."""
    if not values:
        return empty_chart(title, empty)
    whole = fmt is plain and all(float(v).is_integer() for v in values)
    ticks = nice_ticks(min(0.0, *values), max(0.0, *values), whole=whole)
    label_w = min(MAX_LABEL, max(text_width(lab) for lab in labels) + 6)
    frame = _Frame(label_w + 4, WIDTH - 52, TOP + 10, TOP + 10 + ROW * len(values))
    low, high = ticks[0], ticks[-1]

    def scale(v: float) -> float:
        return frame.left + (frame.right - frame.left) * (v - low) / (high - low)

    parts = [_text(0, TOP, category_label, cls="axis-label y")]
    parts += _value_axis(frame, ticks, scale, fmt)
    zero = scale(0.0)
    parts.append('<g class="series">')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = frame.top + ROW * i
        x, w = (zero, scale(value) - zero) if value >= 0 else (scale(value), zero - scale(value))
        colour = COLOURS[0] if value >= 0 else NEGATIVE
        parts.append(
            f'<rect x="{x:.1f}" y="{y + 4:.1f}" width="{max(w, 1):.1f}" height="{ROW - 8}" '
            f'fill="{colour}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
        )
        parts.append(_text(label_w, y + ROW / 2 + 4, _clip(label, label_w - 4), anchor="end"))
        parts.append(_text(x + w + 3, y + ROW / 2 + 4, fmt(value), cls="value"))
    parts.append("</g>")
    parts.append(_line(zero, frame.top, zero, frame.bottom))
    axis_y = frame.bottom + 2 * FONT + 10
    parts.append(
        _text(
            (frame.left + frame.right) / 2, axis_y, value_label, anchor="middle", cls="axis-label x"
        )
    )
    return _svg(title, axis_y + 8, parts)


def _legend(names: list[str], top: float) -> tuple[list[str], float]:
    """Swatches that wrap onto new rows; returns the parts and the height used."""
    parts, x, y = ['<g class="legend">'], 0.0, top
    for n, name in enumerate(names):
        width = 18 + text_width(name) + 14
        if x and x + width > WIDTH:
            x, y = 0.0, y + FONT + 8
        colour = COLOURS[n % len(COLOURS)]
        parts.append(
            f'<g class="legend-item"><rect x="{x:.1f}" y="{y - 9:.1f}" width="12" height="4" '
            f'fill="{colour}"/>{_text(x + 16, y - 4, name)}</g>'
        )
        x += width
    parts.append("</g>")
    return parts, y - top + FONT + 8


def _drawn_series(
    series: Mapping[str, Sequence[float | None]],
) -> dict[str, list[tuple[int, float]]]:
    """Series with at least one value, as (x index, value) pairs; the rest are not drawn and
    so not listed in the legend."""
    out = {}
    for name, values in series.items():
        points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
        if points:
            out[name] = points
    return out


def line_chart(
    series: Mapping[str, Sequence[float | None]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    empty: str,
    x_values: Sequence[float] | None = None,
    x_fmt: Fmt = plain,
    y_fmt: Fmt = plain,
) -> SafeString:
    """One line per series over x = ``x_values`` (default 0, 1, 2 …); ``None`` is a gap.
    Every point is marked, so a series of one value is still visible in the chart."""
    drawn = _drawn_series(series)
    if not drawn:
        return empty_chart(title, empty)
    longest = max(i for points in drawn.values() for i, _v in points) + 1
    xs = list(x_values) if x_values is not None else list(range(longest))
    ys = [v for points in drawn.values() for _i, v in points]
    y_ticks = nice_ticks(min(0.0, *ys), max(ys))
    whole = all(float(x).is_integer() for x in xs)
    x_ticks = nice_ticks(xs[0], xs[-1], 5, whole=whole) if len(xs) > 1 else [xs[0]]
    frame = _Frame(
        text_width(y_fmt(y_ticks[-1])) + FONT + 14, WIDTH - 12, TOP + 6, TOP + 6 + PLOT_H
    )
    x_low, x_high = x_ticks[0], x_ticks[-1] if x_ticks[-1] > x_ticks[0] else x_ticks[0] + 1

    def sx(v: float) -> float:
        return frame.left + (frame.right - frame.left) * (v - x_low) / (x_high - x_low)

    def sy(v: float) -> float:
        return frame.bottom - PLOT_H * (v - y_ticks[0]) / (y_ticks[-1] - y_ticks[0])

    parts = _value_axis(frame, [t for t in x_ticks if x_low <= t <= x_high], sx, x_fmt)
    parts.append('<g class="axis y">')
    for tick in y_ticks:
        parts.append(_line(frame.left, sy(tick), frame.right, sy(tick), "#eef0f3"))
        parts.append(_text(frame.left - 4, sy(tick) + 4, y_fmt(tick), anchor="end"))
    parts.append(_line(frame.left, frame.top, frame.left, frame.bottom))
    parts.append("</g>")
    for n, (name, points) in enumerate(drawn.items()):
        parts += _series(
            name, [(xs[i], v) for i, v in points], COLOURS[n % len(COLOURS)], sx, sy, (x_fmt, y_fmt)
        )
    axis_y = frame.bottom + 2 * FONT + 10
    mid = (frame.left + frame.right) / 2
    parts.append(_text(mid, axis_y, x_label, anchor="middle", cls="axis-label x"))
    parts.append(
        f'<text class="axis-label y" x="0" y="0" font-size="{FONT}" text-anchor="middle" '
        f'fill="{MUTED}" transform="translate({FONT} {(frame.top + frame.bottom) / 2:.1f}) '
        f'rotate(-90)">{escape(y_label)}</text>'
    )
    legend, used = _legend(list(drawn), axis_y + 24)
    return _svg(title, axis_y + 18 + used, parts + legend)


def _series(
    name: str,
    points: list[tuple[float, float]],
    colour: str,
    sx: Callable[[float], float],
    sy: Callable[[float], float],
    fmts: tuple[Fmt, Fmt],
) -> list[str]:
    coords = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    parts = [
        f'<g class="series" data-name="{escape(name)}">',
        f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"/>',
    ]
    for x, y in points:
        parts.append(
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}">'
            f"<title>{escape(name)} · {escape(fmts[0](x))}: {escape(fmts[1](y))}</title></circle>"
        )
    parts.append("</g>")
    return parts
