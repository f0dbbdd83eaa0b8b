"""The 360 page in chromium at phone width: the summary on top, the timeline in words and
an identity list with a long OpenID that stays inside its card."""

from __future__ import annotations

import os
from typing import Any

import pytest

from siyu.console.tests.factories import days_ago, make_customer
from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.customers.events import record_event
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.orders import OrderInput, OrderLineInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import DEMO_PASSWORD, Brand

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
NO_SIDEWAYS = "document.documentElement.scrollWidth <= window.innerWidth"


def seed(brand: Brand) -> int:
    zhang = make_customer("张敏", owner=brand.chen_jing, phone="13911112222")
    upsert_customer(
        [
            IdentityInput("phone", "13911112222"),
            IdentityInput("wechat_openid", "o" + "X" * 60, "wxapp"),
        ],
        fields={},
        source="test",
        at=days_ago(1),
    )
    for n, days in enumerate([120, 60], start=1):
        import_order(
            zhang,
            OrderInput(
                platform="taobao",
                order_no=f"TM{n}",
                paid_at=days_ago(days),
                total_fen=12800,
                paid_fen=12800,
                lines=(OrderLineInput("BEAN", "云南咖啡豆 250g", 1, 12800, 12800),),
            ),
        )
    record_event(
        zhang,
        type="wecom_contact_added",
        occurred_at=days_ago(130),
        properties={"user_id": "ChenJing", "state": "x1", "channel_name": "包裹卡"},
        idempotency_key="add-1",
    )
    record_event(
        zhang, type="welcome_message_sent", occurred_at=days_ago(130), idempotency_key="w1"
    )
    return zhang.pk


def test_360_summary_and_timeline_fit_a_phone(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    pk = seed(brand)
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
            page.goto(f"{live_server.url}/customers/{pk}/")
            page.fill("#id_username", "lin.yue")
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            expect = sync_api.expect
            summary = page.locator("#summary")
            expect(summary).to_contain_text("¥256.00")
            expect(summary).to_contain_text("陈静")
            expect(page.locator(".timeline")).to_contain_text("陈静 · 渠道 包裹卡 · 已发送欢迎语")
            expect(page.locator(".identities")).to_contain_text("XXXX")
            assert page.evaluate(NO_SIDEWAYS), page.evaluate("document.documentElement.scrollWidth")
            page.screenshot(path=str(ARTIFACTS / "customer-360-390.png"), full_page=True)
            page.set_viewport_size({"width": 1366, "height": 900})
            page.screenshot(path=str(ARTIFACTS / "customer-360-1366.png"), full_page=True)
        finally:
            browser.close()
