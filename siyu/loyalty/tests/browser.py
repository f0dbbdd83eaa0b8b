"""The member centre in Debian's chromium at WeChat's phone width."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.customers.member_ref import customer_ref


@contextmanager
def member_page(live_server: Any, customer_id: int) -> Iterator[tuple[Any, Any]]:
    """The member centre signed in as ``customer_id``: yields (page, expect)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
            page.goto(f"{live_server.url}/member/#ref={customer_ref(customer_id)}")
            yield page, sync_api.expect
        finally:
            browser.close()
