"""In chromium at 1366 and 390 px: the channel pages (codes with their QR image, welcome
editor with its live preview, spend, WeCom status, API keys) load without a JS error, a
CSP violation, a failed request or sideways scrolling. Screenshots in test-artifacts/."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from pytest_django.fixtures import Settings

from siyu.access.keys import create_api_key
from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.models import Channel, ChannelKind
from siyu.channels.spend import record_spend
from siyu.channels.variants import VariantInput, save_variant
from siyu.console.tests.channel_helpers import simulated_wecom
from siyu.console.tests.test_browser import ARGS, ARTIFACTS, CHROMIUM
from siyu.console.tests.test_browser_security import LISTEN_FOR_VIOLATIONS, Watcher, log_in
from siyu.demo.brand import JINGAN, Brand
from siyu.integrations.wecom.media import store_cover
from siyu.integrations.wecom.models import CallbackInbox, InboxStatus
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.simulator.qr import qr_png
from siyu.integrations.wecom.transport import wecom_client

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium"
    ),
]
WIDTHS = (1366, 390)


def seed(brand: Brand) -> dict[str, int]:
    poster = create_channel("静安店海报", ChannelKind.STORE_POSTER, brand.stores[JINGAN])
    douyin = create_channel("抖音短视频-春季", ChannelKind.DOUYIN_VIDEO)
    cover = store_cover("gift.png", qr_png("cover"))
    variant = save_variant(
        douyin,
        VariantInput(
            name="新客礼包",
            text="你好！我是山茶咖啡的陈静，送你一张新客券 🎁",
            miniprogram_title="领取新客礼包",
            miniprogram_appid="wx0123456789abcdef",
            miniprogram_page="pages/gift/index",
            miniprogram_cover=cover,
        ),
    )
    record_spend(
        douyin,
        period_start=timezone.localdate(),
        period_end=timezone.localdate(),
        amount_fen=120050,
    )
    CallbackInbox.objects.create(
        corp_id="ww0123456789abcdef",
        idempotency_key="parked",
        ordering_key="parked",
        event="change_external_contact",
        change_type="add_external_contact",
        payload="<xml></xml>",
        status=InboxStatus.FAILED,
        attempts=5,
        last_error="KeyError('ExternalUserID') " * 10,
        received_at=timezone.now() - timedelta(hours=1),
    )
    create_api_key("有赞商城-订单同步", ["ingest:orders", "customers:lookup"])
    return {"channel": douyin.pk, "variant": variant.pk, "poster": poster.pk}


def hq_pages(ids: dict[str, int]) -> list[tuple[str, str]]:
    return [
        ("codes", "/channels/codes/"),
        ("code-new", "/channels/codes/new/"),
        ("code", f"/channels/codes/{ids['code']}/"),
        ("welcome", "/channels/welcome/"),
        ("variant", f"/channels/welcome/{ids['variant']}/"),
        ("variant-new", f"/channels/welcome/new/?channel={ids['channel']}"),
        ("spend", "/channels/spend/"),
        ("wecom", "/wecom/status/"),
        ("api-keys", "/api-keys/"),
    ]


def tour(page: Any, base: str, pages: list[tuple[str, str]], who: str) -> list[str]:
    problems: list[str] = []
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    watcher = Watcher(page)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for name, path in pages:
            response = page.goto(base + path)
            assert response is not None
            assert response.status == 200, path
            page.wait_for_load_state("networkidle")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{path} at {width}px is {scroll}px wide")
            page.screenshot(
                path=str(ARTIFACTS / f"channels-{who}-{name}-{width}.png"), full_page=True
            )
            problems += watcher.collect(f"{path} at {width}px")
    return problems + failed


def test_channel_pages_at_desktop_and_phone_width(
    live_server: Any, brand: Brand, settings: Settings, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    settings.SIYU_COVERS_DIR = str(tmp_path)
    ids = seed(brand)
    ARTIFACTS.mkdir(exist_ok=True)
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with simulated_wecom() as sim, sync_api.sync_playwright() as p:
        client = wecom_client()
        code = create_channel_code(
            Channel.objects.get(pk=ids["channel"]),
            [brand.chen_jing, brand.staff["sales01"]],
            gateway=WeComChannelGateway(client),
            daily_cap=30,
            fallback=brand.lin_yue,
        )
        create_channel_code(
            Channel.objects.get(pk=ids["poster"]),
            [brand.chen_jing],
            gateway=WeComChannelGateway(client),
        )
        client.close()
        ids["code"] = code.pk
        assert code.config_id in sim.world.ways
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(locale="zh-CN")
            page.add_init_script(LISTEN_FOR_VIOLATIONS)
            log_in(page, live_server.url, "lin.yue")
            problems = tour(page, live_server.url, hq_pages(ids), "lin.yue")

            # The QR image is a real PNG, loaded from the console's own origin.
            page.goto(f"{live_server.url}/channels/codes/{code.pk}/")
            loaded = page.evaluate("document.querySelector('.qr img').naturalWidth")
            assert loaded > 100
            # The preview follows the text as it is typed (htmx, no inline script).
            page.goto(f"{live_server.url}/channels/welcome/{ids['variant']}/")
            page.fill("#id_text", "欢迎来到山茶咖啡")
            sync_api.expect(page.locator("#preview .bubble")).to_have_text("欢迎来到山茶咖啡")
            problems += Watcher(page).collect("preview")

            manager = browser.new_page(locale="zh-CN")
            manager.add_init_script(LISTEN_FOR_VIOLATIONS)
            log_in(manager, live_server.url, "wang.qiang")
            problems += tour(
                manager, live_server.url, [("codes", "/channels/codes/")], "wang.qiang"
            )
            assert problems == []
        finally:
            browser.close()
