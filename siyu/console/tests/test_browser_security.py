"""In chromium: no page of the console breaks the Content-Security-Policy (no inline script,
style or handler the policy would block), and the password page works on a 390 px phone."""

from __future__ import annotations

import os
from typing import Any

import pytest

from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM, seed
from siyu.customers.models import Customer
from siyu.demo.brand import DEMO_PASSWORD, Brand
from siyu.imports.start import start_import

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]

# Injected by the browser before any page script, so the policy cannot block it.
LISTEN_FOR_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""

PAGES = [
    "/customers/",
    "/customers/{customer}/",
    "/tags/",
    "/imports/",
    "/imports/{job}/",  # a job not yet run: its progress bar polls through htmx
    "/review/",
    "/staff/",
    "/staff/{staff}/password/",
    "/account/password/",
    "/segments/",
    "/segments/new/",
    "/segments/layering/",
    "/analytics/",
    "/analytics/gmv/",
    "/analytics/channels/",
    "/analytics/cohorts/",
    "/analytics/clv/",
    "/analytics/lift/",
    "/api/docs",
]


class Watcher:
    """Everything the browser complained about: CSP reports, console errors, page errors."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        page.on("console", self.on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def on_console(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(f"console: {message.text}")

    def collect(self, url: str) -> list[str]:
        found = [f"{url}: {e}" for e in self.errors]
        found += [f"{url}: csp {v}" for v in self.page.evaluate("window.__csp || []")]
        self.errors.clear()
        return found


def log_in(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_no_console_page_violates_the_content_security_policy(
    live_server: Any, brand: Brand
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    seed(brand)
    job = start_import(
        "customers", "f.csv", b"phone,display_name\n13911113333,A\n", skip_invalid=False, user=None
    )
    ids = {
        "customer": Customer.objects.get(display_name="张敏").pk,
        "staff": brand.chen_jing.pk,
        "job": job.pk,
    }
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.add_init_script(LISTEN_FOR_VIOLATIONS)
            watcher = Watcher(page)
            log_in(page, live_server.url, "lin.yue")
            problems = watcher.collect("/login/")
            for path in PAGES:
                url = live_server.url + path.format(**ids)
                response = page.goto(url)
                assert response is not None
                assert response.status == 200, url
                assert response.headers["content-security-policy"]
                page.wait_for_load_state("networkidle")
                problems += watcher.collect(path)
            # htmx at work under the policy: a filter swaps the results in place...
            page.goto(f"{live_server.url}/customers/")
            page.select_option("select[name=tag]", label="价值 / 高价值")
            sync_api.expect(page.locator("#results")).not_to_contain_text("刘洋")
            # ...and the language menu submits itself from console.js, not an inline handler.
            page.select_option("select[name=language]", "en")
            sync_api.expect(page.get_by_role("heading", name="Customers")).to_be_visible()
            problems += watcher.collect("htmx and language switch")
            assert problems == []
        finally:
            browser.close()


def test_password_pages_work_on_a_390px_phone(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(
                locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True
            )
            log_in(page, live_server.url, "lin.yue")
            for path in ["/staff/", f"/staff/{brand.chen_jing.pk}/password/"]:
                page.goto(live_server.url + path)
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= 390, f"{path} scrolls sideways: {width}px"
            page.screenshot(path=str(ARTIFACTS / "staff-reset-390.png"), full_page=True)
            page.click("a.me")  # her name in the top bar leads to the password page
            sync_api.expect(page.locator("h1")).to_have_text("修改密码")
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, f"the password page scrolls sideways: {width}px"
            page.fill("#id_old_password", DEMO_PASSWORD)
            page.fill("#id_new_password1", "kumquat-latte-2026")
            page.fill("#id_new_password2", "kumquat-latte-2026")
            page.get_by_role("button", name="修改密码").click()
            sync_api.expect(page.locator(".messages")).to_contain_text("密码已修改")
            page.screenshot(path=str(ARTIFACTS / "password-change-390.png"), full_page=True)
        finally:
            browser.close()
