"""In chromium at 390 px, the sidebar inside the simulated WeCom client: the page signs
itself, the simulator checks wx.agentConfig with WeCom's algorithm, tells it the chat's
customer, the panel shows profile, orders and budget, and one tap sends the article into
the chat (recorded by the simulator) as a tracked link. Screenshot in test-artifacts/."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.core.cache import cache
from django.test.utils import override_settings

from siyu.console.tests.channel_helpers import simulated_wecom
from siyu.console.tests.sidebar_helpers import EXTERNAL_USERID, seed_sidebar
from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.console.tests.test_browser_security import Watcher, log_in
from siyu.content.models import TrackedLink
from siyu.demo.brand import Brand

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]


def test_the_sidebar_plays_in_the_simulated_wecom_client_at_phone_width(
    live_server: Any, brand: Brand
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    cache.clear()
    with simulated_wecom() as sim, sync_api.sync_playwright() as p:
        seeded = seed_sidebar(brand, sim.corp_id)
        base = live_server.url
        sdk = f"{sim.image_base}/sim/jwxwork.js"
        with override_settings(SIYU_WECOM_JSSDK_URLS=[sdk], SIYU_PUBLIC_URL=base):
            sim.open_chat("ChenJing", external_userid=EXTERNAL_USERID)
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
            try:
                page = browser.new_page(locale="zh-CN", viewport={"width": 390, "height": 844})
                watcher = Watcher(page)
                log_in(page, base, "chen.jing")
                page.goto(f"{base}/sidebar/")
                page.wait_for_selector("#customer-panel")
                text = page.inner_text("#panel")
                assert "张敏" in text
                assert "¥129.00" in text  # the Taobao order beside the mini-program one
                assert "本月企业微信群发" in text or "WeCom" in text
                assert page.evaluate("document.documentElement.scrollWidth") <= 390
                page.click(f"button.send[data-material='{seeded.article.pk}']")
                page.wait_for_selector("#status[data-state]")
                assert page.get_attribute("#status", "data-state") == "sent"
                page.screenshot(path=str(ARTIFACTS / "sidebar-390.png"), full_page=True)
                assert watcher.collect("/sidebar/") == []
            finally:
                browser.close()
        assert len(sim.chat_messages) == 1
        sent = sim.chat_messages[0]
        link = TrackedLink.objects.get()
        assert (sent["userid"], sent["external_userid"]) == ("ChenJing", EXTERNAL_USERID)
        assert sent["msgtype"] == "news"
        assert sent["news"]["link"] == f"{base}/r/{link.code}"
        assert sim.client_state.rejected == []
