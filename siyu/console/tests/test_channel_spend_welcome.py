"""Spend by form and CSV (a bad row imports nothing), welcome variants with a card and an
uploaded cover, and conversion per variant with its interval."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import Settings

from siyu.channels.codes import create_channel
from siyu.channels.models import ChannelKind, ChannelSpend, WelcomeSend, WelcomeStatus
from siyu.channels.tests.factories import make_variant
from siyu.console.tests.factories import days_ago, login, make_customer
from siyu.core.models import AuditLog
from siyu.customers.orders import OrderInput, import_order
from siyu.demo.brand import Brand
from siyu.integrations.wecom.simulator.qr import qr_png


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("spend.csv", text.encode(), content_type="text/csv")


def test_spend_typed_in_yuan_is_stored_in_fen(client: Client, brand: Brand) -> None:
    douyin = create_channel("抖音", ChannelKind.DOUYIN_VIDEO)
    login(client, brand.lin_yue)
    answer = client.post(
        "/channels/spend/", {"channel": douyin.pk, "day": "2026-03-01", "amount": "1,200.50"}
    )
    assert answer.status_code == 302
    spend = ChannelSpend.objects.get()
    assert spend.amount_fen == 120050
    assert spend.period_start == spend.period_end == date(2026, 3, 1)
    assert "1,200.50" in client.get("/channels/spend/").content.decode()
    bad = client.post(
        "/channels/spend/", {"channel": douyin.pk, "day": "2026-03-02", "amount": "12.345"}
    )
    assert bad.status_code == 200
    assert "请输入以元为单位的金额" in bad.content.decode()


def test_a_spend_sheet_with_a_bad_row_imports_nothing(client: Client, brand: Brand) -> None:
    create_channel("抖音", ChannelKind.DOUYIN_VIDEO)
    login(client, brand.lin_yue)
    sheet = "channel,day,amount,note\n抖音,2026-03-01,800,\n小红书,2026-03-01,300,\n抖音,2026-13-01,5,\n"
    page = client.post("/channels/spend/", {"file": _csv(sheet)})
    html = page.content.decode()
    assert page.status_code == 400
    assert "第 3 行" in html
    assert "小红书" in html
    assert "第 4 行" in html
    assert not ChannelSpend.objects.exists()

    good = "channel,day,amount,note\n抖音,2026-03-01,800,春季\n抖音,2026-03-02,900.5,\n"
    assert client.post("/channels/spend/", {"file": _csv(good)}).status_code == 302
    assert sorted(ChannelSpend.objects.values_list("amount_fen", flat=True)) == [80000, 90050]
    assert AuditLog.objects.filter(action="channel_spend.import").exists()
    # The same sheet again replaces, it does not add.
    client.post("/channels/spend/", {"file": _csv(good)})
    assert ChannelSpend.objects.count() == 2


def test_sales_and_store_managers_may_not_record_spend(client: Client, brand: Brand) -> None:
    for persona in ("wang.qiang", "chen.jing"):
        login(client, brand.staff[persona])
        assert client.get("/channels/spend/").status_code == 403
        assert client.get("/channels/welcome/").status_code == 403


def test_a_variant_with_a_card_and_an_uploaded_cover(
    client: Client, brand: Brand, settings: Settings, tmp_path: Path
) -> None:
    settings.SIYU_COVERS_DIR = str(tmp_path)
    douyin = create_channel("抖音", ChannelKind.DOUYIN_VIDEO)
    login(client, brand.lin_yue)
    cover = SimpleUploadedFile("gift.png", qr_png("cover"), content_type="image/png")
    answer = client.post(
        f"/channels/welcome/new/?channel={douyin.pk}",
        {
            "name": "新客礼包",
            "text": "你好，送你一张券",
            "miniprogram_title": "新客礼包",
            "miniprogram_appid": "wx0123456789abcdef",
            "miniprogram_page": "pages/gift/index",
            "cover_upload": cover,
            "weight": "2",
            "is_active": "on",
        },
    )
    assert answer.status_code == 302
    variant = douyin.variants.get()
    assert variant.miniprogram_cover == "gift.png"
    assert (tmp_path / "gift.png").read_bytes() == qr_png("cover")
    page = client.get(answer["Location"]).content.decode()
    assert "你好，送你一张券" in page
    assert "/channels/covers/gift.png" in page
    assert client.get("/channels/covers/gift.png").content == qr_png("cover")
    preview = client.post("/channels/welcome/preview/", {"text": "欢迎光临"})
    assert "欢迎光临" in preview.content.decode()


def test_a_card_without_a_cover_is_refused_in_chinese(client: Client, brand: Brand) -> None:
    douyin = create_channel("抖音", ChannelKind.DOUYIN_VIDEO)
    login(client, brand.lin_yue)
    page = client.post(
        f"/channels/welcome/new/?channel={douyin.pk}",
        {"name": "A", "text": "你好", "miniprogram_appid": "wx12", "weight": "1"},
    )
    html = page.content.decode()
    assert page.status_code == 200
    assert "AppID 由“wx”加 16 位十六进制字符组成。" in html
    assert not douyin.variants.exists()
    assert client.get("/channels/welcome/new/?channel=99999999999999999999").status_code == 400


def test_conversion_per_variant_with_its_interval(client: Client, brand: Brand) -> None:
    douyin = create_channel("抖音", ChannelKind.DOUYIN_VIDEO)
    variant = make_variant(douyin, "A")
    sent = timezone.now() - timedelta(days=3)
    for i in range(4):
        customer = make_customer(f"客户{i}")
        WelcomeSend.objects.create(
            welcome_code=f"w{i}",
            customer=customer,
            channel=douyin,
            variant=variant,
            status=WelcomeStatus.SENT,
            event_at=sent,
            sent_at=sent,
        )
        if i == 0:
            import_order(
                customer,
                OrderInput(
                    platform="taobao",
                    order_no="T1",
                    paid_at=days_ago(1),
                    total_fen=100,
                    paid_fen=100,
                ),
            )
    login(client, brand.lin_yue)
    html = client.get("/channels/welcome/").content.decode()
    assert "25.0%" in html
    assert "4.6% – 69.9%" in html  # Wilson 95 % for 1 of 4


def test_the_spend_page_opens_without_errors_shown(client: Client, brand: Brand) -> None:
    login(client, brand.lin_yue)
    html = client.get("/channels/spend/").content.decode()
    assert "errorlist" not in html
    assert timezone.localdate().isoformat() in html  # the day defaults to today
