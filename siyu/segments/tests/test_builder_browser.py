"""The rule builder in Debian's chromium: build "ordered twice in 30 days OR spent ≥ ¥500",
watch the live count, save, see the members; at 390 px nothing scrolls sideways."""

from __future__ import annotations

import os
from typing import Any

import pytest

from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.demo.brand import DEMO_PASSWORD, Brand
from siyu.segments.membership import refresh_segment
from siyu.segments.models import Segment
from siyu.segments.tests.test_builder_pages import buyers

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def build_rule(page: Any) -> None:
    """From the example rule: keep its first condition, drop the rest, add one, make it OR."""
    builder = page.locator("#builder")
    leaves = builder.locator(".rule-leaf")
    leaves.nth(2).get_by_role("button", name="删除条件").click()
    leaves.nth(1).get_by_role("button", name="删除条件").click()
    assert leaves.count() == 1
    builder.locator("select[name='n0-kind']").select_option("or")
    first = leaves.nth(0)
    first.locator("input[name$='-orders-window_days']").fill("30")
    first.locator("input[name$='-orders-value']").fill("2")
    builder.get_by_role("button", name="+ 条件").first.click()
    assert leaves.count() == 2
    added = leaves.nth(1)
    added.locator("select[data-metric-select]").select_option("monetary")
    added.locator("input[name$='-orders-value']").fill("500")


def test_build_count_save_and_see_members(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    buyers()
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{live_server.url}/segments/new/")
            page.fill("#id_username", "lin.yue")
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect = sync_api.expect
            expect(page.locator("#builder")).to_be_visible()
            page.fill("input[name=name]", "常客或大客")
            build_rule(page)
            expect(page.locator("#live-count")).to_contain_text("2 位客户")
            expect(page.locator("#rule-words")).to_contain_text("近 30 天下单 ≥ 2 次")
            expect(page.locator("#rule-words")).to_contain_text("累计净消费 ≥ ¥500.00")
            page.screenshot(path=str(ARTIFACTS / "segment-builder.png"), full_page=True)

            page.get_by_role("button", name="以 JSON 编辑（高级）").click()
            expect(page.locator("#rule")).to_contain_text('"value": 50000')
            page.get_by_role("button", name="使用可视化编辑器").click()
            expect(page.locator("#builder .rule-leaf")).to_have_count(2)

            page.set_viewport_size({"width": 390, "height": 844})
            assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "segment-builder-390.png"), full_page=True)

            page.click("#save")
            expect(page.locator("h1")).to_contain_text("常客或大客")
            segment = Segment.objects.get(name="常客或大客")
            assert segment.rule["kind"] == "or"
            refresh_segment(segment.pk)
            page.reload()
            members = page.locator("table")
            expect(members).to_contain_text("常客")
            expect(members).to_contain_text("大客")
            expect(members).not_to_contain_text("路人")
            expect(members).to_contain_text("近 30 天下单 ≥ 2 次 ✓")
            assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "segment-members-390.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [], errors
