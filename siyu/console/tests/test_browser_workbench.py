"""The rep's workbench in Debian's chromium at 390 px (WeCom's phone browser): today's
tasks, nothing wider than the window, no JavaScript error, and one tap on Done closes the
task in place (htmx) with its outcome recorded. Screenshots go to test-artifacts/."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

import pytest

from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.console.tests.test_browser_today import bad_response, console_error, overflow
from siyu.demo.brand import DEMO_PASSWORD, Brand
from siyu.workbench.models import Task, TaskState
from siyu.workbench.notes import add_note
from siyu.workbench.sweep import mark_overdue
from siyu.workbench.tests.factories import make_customer, make_task

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def test_the_reps_page_at_390px_closes_a_task_in_one_tap(live_server: Any, brand: Brand) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    from django.utils import timezone

    zhang = make_customer(brand.chen_jing, "张敏")
    task = make_task(zhang, brand.chen_jing, due_in=timedelta(0))
    late = make_task(make_customer(brand.chen_jing, "李娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜娜"), brand.chen_jing,
                     due_in=timedelta(hours=-2))  # fmt: skip
    mark_overdue(timezone.now())
    add_note(zhang.pk, brand.chen_jing, "喜欢浅烘")
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    errors: list[str] = []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda msg: errors.extend(console_error(msg)))
            page.on("response", lambda r: errors.extend(bad_response(r)))
            page.goto(f"{live_server.url}/login/?next=/workbench/")
            page.fill("#id_username", "chen.jing")
            page.fill("#id_password", DEMO_PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{live_server.url}/workbench/")
            sync_api.expect(page.locator("h1")).to_contain_text("工作台")
            sync_api.expect(page.locator(f"#task-{late.pk}")).to_contain_text("逾期")
            assert overflow(page) == 0, "the workbench scrolls sideways at 390 px"
            page.screenshot(path=str(ARTIFACTS / "workbench-chen.jing-390.png"), full_page=True)
            row = page.locator(f"#task-{task.pk}")
            row.locator("select[name=outcome]").select_option("converted")
            row.locator("input[name=note]").fill("买了两包")
            page.evaluate("window.__samePage = true")
            row.locator("button[value=done]").click()
            sync_api.expect(page.locator(f"#task-{task.pk}")).to_contain_text("已购买")
            assert page.evaluate("window.__samePage") is True  # swapped in place
            page.goto(f"{live_server.url}/customers/{zhang.pk}/")
            sync_api.expect(page.locator("#follow-up")).to_contain_text("买了两包")
            assert overflow(page) == 0
            assert errors == []
        finally:
            browser.close()
    done = Task.objects.get(pk=task.pk)
    assert (done.state, done.outcome) == (TaskState.DONE, "converted")
