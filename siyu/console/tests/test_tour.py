"""The console tour: every page (found from the URL conf), as each persona, at a desktop
(1366 px) and a phone (390 px) width, in Debian's chromium. A page fails on a JavaScript
error, any 4xx/5xx it loads (pages a role may not open answer the translated 403 page and
are checked as such), a page wider than the screen, or English words in the Chinese UI.
Screenshots land in test-artifacts/tour/."""

from __future__ import annotations

import os
import re
from typing import Any

import pytest
from django.urls import resolve

from siyu.console.tests.pages import EXTRA_PATHS, Demo, console_pages, seed_demo
from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.console.tests.test_page_language import REWRITTEN_ELSEWHERE, ROLES
from siyu.console.tests.untranslated import brand_data, english_words, visible_text, without_data
from siyu.demo.brand import DEMO_PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
WIDTHS = (1366, 390)
TOUR = ARTIFACTS / "tour"
# How far the page may be wider than the window (sub-pixel rounding).
SLACK_PX = 1


@pytest.fixture
def demo(transactional_db: None, settings: Any) -> Demo:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return seed_demo()


def slug(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"


class Visit:
    """What one page load showed: script errors and the status of every response."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.statuses: list[tuple[int, str]] = []
        page.on("pageerror", lambda exc: self.errors.append(f"JS error: {exc}"))
        page.on("console", self.console)
        page.on("response", lambda r: self.statuses.append((r.status, r.url)))

    def console(self, msg: Any) -> None:
        # The browser logs the 403 of a page a role may not open; that one is expected.
        if msg.type == "error" and "403" not in msg.text:
            self.errors.append(f"console error: {msg.text}")

    def reset(self) -> None:
        self.errors.clear()
        self.statuses.clear()

    def problems(self, url: str) -> list[str]:
        """A role may be refused a page (403, the translated error page); nothing else
        may fail, and a refused page's own assets must load."""
        failed = [(s, u) for s, u in self.statuses if s >= 400 and (s, u) != (403, url)]
        return self.errors + [f"{s} {u}" for s, u in failed]


def checks_language(path: str) -> bool:
    return path not in EXTRA_PATHS and resolve(path).view_name not in REWRITTEN_ELSEWHERE


def overflow(page: Any) -> int:
    width: int = page.evaluate(
        "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
    )
    inner: int = page.evaluate("() => window.innerWidth")
    return width - inner


def tour_role(
    browser: Any, base: str, username: str, paths: list[str], data: list[str]
) -> list[str]:
    context = browser.new_context(locale="zh-CN", viewport={"width": WIDTHS[0], "height": 900})
    page = context.new_page()
    visit = Visit(page)
    failures: list[str] = []
    try:
        page.goto(f"{base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            for path in paths:
                visit.reset()
                page.goto(base + path)
                problems = visit.problems(base + path)
                wide = overflow(page)
                if wide > SLACK_PX:
                    problems.append(f"{wide} px wider than the {width} px window")
                if checks_language(path):
                    text = without_data(visible_text(page.content()), data)
                    if words := english_words(text):
                        problems.append(f"English: {' '.join(words)}")
                page.screenshot(path=str(TOUR / f"{username}-{width}-{slug(path)}.png"))
                failures += [f"{username} {width}px {path}: {p}" for p in problems]
    finally:
        context.close()
    return failures


def test_every_page_as_every_role_at_desktop_and_phone_width(live_server: Any, demo: Demo) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    TOUR.mkdir(parents=True, exist_ok=True)
    paths = console_pages(demo)
    data = brand_data()
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    failures: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for username in ROLES:
                failures += tour_role(browser, live_server.url, username, paths, data)
        finally:
            browser.close()
    assert not failures, "\n".join(failures)
