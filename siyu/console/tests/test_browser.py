"""Drives Debian's chromium through Playwright against a live server: log in, filter the
customer list, open 张敏's 360 page, reveal her phone, and keep a screenshot."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from siyu.console.tests.factories import days_ago, make_customer
from siyu.customers.events import record_event
from siyu.customers.orders import OrderInput, OrderLineInput, RefundInput, import_order
from siyu.customers.tagging import add_tag, ensure_tag
from siyu.demo.brand import DEMO_PASSWORD, Brand

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def seed(brand: Brand) -> None:
    vip = ensure_tag("价值", "高价值")
    ensure_tag("兴趣", "手冲")
    zhang = make_customer("张敏", owner=brand.chen_jing, phone="13911112222", real_name="张敏")
    make_customer("刘洋", owner=brand.chen_jing, lifecycle="at_risk")
    add_tag(zhang, vip)
    for n, (days, amount) in enumerate([(300, 6800), (250, 12800)], start=1):
        import_order(
            zhang,
            OrderInput(
                platform="taobao",
                order_no=f"TM2025{n:03d}",
                paid_at=days_ago(days),
                total_fen=amount,
                paid_fen=amount,
                lines=(OrderLineInput(f"BEAN-{n}", "云南咖啡豆 250g", 1, amount, amount),),
                refunds=(RefundInput("RF1", 1000, days_ago(days - 2)),) if n == 1 else (),
            ),
        )
    record_event(
        zhang,
        type="channel_code_scanned",
        occurred_at=days_ago(200),
        properties={"channel": "包裹卡"},
        source="wecom",
        idempotency_key="browser-scan-1",
    )


def test_login_filter_and_open_a_360_page(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    seed(brand)
    ARTIFACTS.mkdir(exist_ok=True)
    # Playwright's sync API runs an event loop in this thread; the ORM work is done above,
    # the live server answers from its own thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.goto(f"{live_server.url}/customers/")
            page.fill("#id_username", "lin.yue")
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect = sync_api.expect
            expect(page.get_by_role("heading", name="客户")).to_be_visible()
            expect(page.locator("#results")).to_contain_text("刘洋")

            page.select_option("select[name=tag]", label="价值 / 高价值")
            expect(page.locator("#results")).not_to_contain_text("刘洋")
            expect(page.locator("#results")).to_contain_text("张敏")
            assert "tag=" in page.url  # the filter is in the address, so it can be shared
            page.screenshot(path=str(ARTIFACTS / "customer-list.png"))

            page.get_by_role("link", name="张敏").click()
            expect(page.locator("h1")).to_contain_text("张敏")
            timeline = page.locator(".timeline")
            expect(timeline).to_contain_text("云南咖啡豆 250g")
            expect(timeline).to_contain_text("退款")
            expect(page.locator("#pii")).to_contain_text("*******2222")

            page.get_by_role("button", name="显示").click()
            expect(page.locator("#pii")).to_contain_text("13911112222")
            page.screenshot(path=str(ARTIFACTS / "customer-360.png"), full_page=True)
        finally:
            browser.close()
