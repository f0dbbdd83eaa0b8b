"""The chart component: every chart parses as SVG and carries a title, labelled axes,
values on hover, a legend naming only drawn series, and an empty state saying why."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client

from siyu.analytics.charts import bar_chart, line_chart, nice_ticks, percent
from siyu.console.tests.factories import login
from siyu.demo.brand import Brand

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - the SVG is our own output, not untrusted


def texts(root: ET.Element, cls: str) -> list[str]:
    return [
        "".join(e.itertext())
        for e in root.iter(f"{{{NS['s']}}}text")
        if cls in (e.get("class") or "").split()
    ]


def hover_titles(root: ET.Element, tag: str) -> list[str]:
    return [e.findtext("s:title", namespaces=NS) or "" for e in root.iter(f"{{{NS['s']}}}{tag}")]


def bars() -> ET.Element:
    return parse(
        bar_chart(
            ["抖音视频", "包裹卡 <b>"],
            [12.5, -4.0],
            title="首单转化率",
            category_label="渠道",
            value_label="转化率 (%)",
            empty="no data",
            fmt=percent,
        )
    )


def test_a_bar_chart_has_title_both_axis_labels_and_values_on_hover() -> None:
    root = bars()
    assert root.findtext("s:title", namespaces=NS) == "首单转化率"
    assert texts(root, "chart-title") == ["首单转化率"]
    assert texts(root, "axis-label") == ["渠道", "转化率 (%)"]
    assert hover_titles(root, "rect") == ["抖音视频: 12.5%", "包裹卡 <b>: -4.0%"]
    assert texts(root, "value") == ["12.5%", "-4.0%"]
    ticks = [
        t for g in root.iter(f"{{{NS['s']}}}g") if g.get("class") == "axis x" for t in g.itertext()
    ]
    assert "0.0%" in ticks


def test_a_line_chart_lists_in_its_legend_only_the_series_it_draws() -> None:
    root = parse(
        line_chart(
            {
                "2025-01": [30.0, 20.0, None, 10.0],
                "2025-02": [40.0],
                "2025-03": [],
                "2025-04": [None],
            },
            title="留存",
            x_label="获客后月数",
            y_label="留存率 (%)",
            empty="none",
            y_fmt=percent,
        )
    )
    drawn = [g.get("data-name") for g in root.iter(f"{{{NS['s']}}}g") if g.get("class") == "series"]
    legend = [
        "".join(g.itertext())
        for g in root.iter(f"{{{NS['s']}}}g")
        if g.get("class") == "legend-item"
    ]
    assert drawn == ["2025-01", "2025-02"]
    assert legend == drawn
    assert texts(root, "axis-label") == ["获客后月数", "留存率 (%)"]
    assert "2025-01 · 3: 10.0%" in hover_titles(root, "circle")
    # The one-month cohort is still visible: its point is marked.
    assert "2025-02 · 0: 40.0%" in hover_titles(root, "circle")


def test_an_empty_chart_says_why_and_draws_no_axes() -> None:
    for svg in (
        bar_chart([], [], title="T", category_label="c", value_label="v", empty="本期没有新客户"),
        line_chart({"a": []}, title="T", x_label="x", y_label="y", empty="本期没有新客户"),
    ):
        root = parse(svg)
        assert "empty" in (root.get("class") or "")
        assert texts(root, "chart-empty") == ["本期没有新客户"]
        assert texts(root, "axis-label") == []
        assert root.findtext("s:title", namespaces=NS) == "T"


def test_labels_are_escaped_so_the_svg_stays_well_formed() -> None:
    root = bars()
    assert any("<b>" in t for t in hover_titles(root, "rect"))


def test_whole_number_axes_tick_on_whole_numbers() -> None:
    assert nice_ticks(0, 11, 5, whole=True) == [0, 5, 10, 15]
    assert nice_ticks(0, 3, 5, whole=True) == [0, 1, 2, 3]
    assert nice_ticks(-4, 12.5) == [-5, 0, 5, 10, 15]


CONSOLE_CHART_PAGES = [
    "/",
    "/analytics/",
    "/analytics/gmv/",
    "/analytics/channels/",
    "/analytics/cohorts/",
    "/analytics/clv/",
    "/analytics/lift/",
    "/segments/layering/",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", CONSOLE_CHART_PAGES)
@pytest.mark.parametrize("with_data", [True, False])
def test_every_console_chart_comes_from_the_component(
    client: Client, brand: Brand, url: str, with_data: bool, request: pytest.FixtureRequest
) -> None:
    """Each chart on each page has a title and either both axis labels or a reason."""
    if with_data:
        request.getfixturevalue("shop")
    login(client, brand.lin_yue)
    query = "?from=2025-01-01&to=2025-03-31" if url.startswith("/analytics/") else ""
    body = client.get(url + query).content.decode()
    svgs = re.findall(r"<svg\b.*?</svg>", body, re.S)
    assert svgs or url == "/analytics/clv/", "page draws no chart"
    for svg in svgs:
        root = parse(svg)
        assert texts(root, "chart-title"), svg[:200]
        labelled = len(texts(root, "axis-label")) == 2
        assert labelled or texts(root, "chart-empty"), svg[:200]
