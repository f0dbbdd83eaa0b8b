"""The first screen in Debian's chromium: as HQ, a store manager and a sales rep, at 1366 and
390 px, with no JavaScript error, nothing wider than the window, and a new customer showing
up in the live part without a page load. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from siyu.analytics.periods import local_midnight, today_local
from siyu.analytics.tests.factories import customer, follow
from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.console.tests.test_today import paid_today, welcome
from siyu.customers.models import Customer
from siyu.demo.brand import DEMO_PASSWORD, Brand

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
ROLES = ["lin.yue", "wang.qiang", "chen.jing"]
WIDTHS = [1366, 390]


def seed(brand: Brand) -> None:
    jingan = brand.stores["上海静安店"]
    today = today_local()
    morning = local_midnight(today) + timedelta(seconds=1)
    for n, channel in enumerate(["抖音视频", "抖音视频", "包裹卡", "小红书笔记", "门店海报"]):
        c = customer(f"顾客{n}", today, channel=channel, unit=jingan)
        Customer.objects.filter(pk=c.pk).update(first_seen_at=morning)
        follow(c, brand.chen_jing, today)
        welcome(c, 1.5 + n)
        if n % 2 == 0:
            paid_today(c, 58 + n)
    old = customer("老客", today - timedelta(days=40), channel="包裹卡", unit=jingan)
    paid_today(old, 120)


# The favicon is another part of the console's work (issue 13 §5); until it lands its 404
# is not this page's failure.
IGNORED = ("/favicon.ico",)


def console_error(msg: Any) -> list[str]:
    if msg.type != "error" or msg.location.get("url", "").endswith(IGNORED):
        return []
    return [msg.text]


def bad_response(response: Any) -> list[str]:
    if response.status < 400 or response.url.endswith(IGNORED):
        return []
    return [f"{response.status} {response.url}"]


def overflow(page: Any) -> int:
    """How many CSS pixels the document is wider than the window (0 = none)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def test_first_screen_per_role_and_width(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    seed(brand)
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for username in ROLES:
                for width in WIDTHS:
                    ctx = browser.new_context(
                        locale="zh-CN", viewport={"width": width, "height": 900}
                    )
                    page = ctx.new_page()
                    page.on("pageerror", lambda exc: errors.append(str(exc)))
                    page.on("console", lambda msg: errors.extend(console_error(msg)))
                    page.on("response", lambda r: errors.extend(bad_response(r)))
                    page.goto(f"{live_server.url}/login/?next=/")
                    page.fill("#id_username", username)
                    page.fill("#id_password", DEMO_PASSWORD)
                    page.click("button[type=submit]")
                    page.wait_for_url(f"{live_server.url}/")
                    sync_api.expect(page.locator("h1")).to_contain_text("今日")
                    sync_api.expect(page.locator("#new-customers svg.chart")).to_be_visible()
                    assert overflow(page) == 0, f"{username} at {width}px scrolls sideways"
                    page.screenshot(
                        path=str(ARTIFACTS / f"today-{username}-{width}.png"), full_page=True
                    )
                    ctx.close()
            assert errors == []
        finally:
            browser.close()


def test_a_new_customer_arrives_without_a_page_load(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    seed(brand)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 900})
            page.goto(f"{live_server.url}/login/?next=/")
            page.fill("#id_username", "lin.yue")
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            figure = page.locator("#new-customers .figure")
            sync_api.expect(figure).to_have_text("5")
            page.evaluate("window.__samePage = true")
            c = customer("新来的", today_local(), channel="抖音视频")
            Customer.objects.filter(pk=c.pk).update(
                first_seen_at=local_midnight(today_local()) + timedelta(seconds=2)
            )
            # The same request htmx's poll makes, fired now instead of in 15 s.
            page.evaluate("document.body.dispatchEvent(new Event('today-refresh'))")
            sync_api.expect(figure).to_have_text("6")
            assert page.evaluate("window.__samePage") is True  # swapped in, not reloaded
        finally:
            browser.close()
