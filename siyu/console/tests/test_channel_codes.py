"""Channel code pages: create, edit and retire through the WeCom simulator over HTTP, the
QR image, scoping per role, translated form errors and a flat query count."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from pytest_django.fixtures import Settings

from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.models import ChannelCode, ChannelKind, CodeStatus
from siyu.channels.tests.factories import make_variant
from siyu.channels.tests.fakes import FakeGateway
from siyu.console.tests.channel_helpers import simulated_wecom
from siyu.console.tests.factories import login
from siyu.core.models import AuditLog
from siyu.customers.tagging import ensure_tag
from siyu.demo.brand import JINGAN, Brand
from siyu.integrations.wecom.outbox import drain_outbox

PNG = b"\x89PNG\r\n\x1a\n"


def test_hq_creates_edits_and_retires_a_code_in_wecom(client: Client, brand: Brand) -> None:
    channel = create_channel("门店海报", ChannelKind.STORE_POSTER)
    variant = make_variant(channel, "新客礼包")
    vip = ensure_tag("兴趣", "手冲")
    chen, sales = brand.chen_jing, brand.staff["sales01"]
    login(client, brand.lin_yue)
    with simulated_wecom() as sim:
        answer = client.post(
            "/channels/codes/new/",
            {
                "channel": channel.pk,
                "staff": [chen.pk],
                "skip_verify": "on",
                "tags": [vip.pk],
                "welcome_variant": variant.pk,
            },
        )
        code = ChannelCode.objects.get(channel=channel)
        assert answer.status_code == 302
        way = sim.world.ways[code.config_id]
        assert way["state"] == code.state
        assert way["user"] == ["ChenJing"]
        assert list(code.tags.all()) == [vip]
        assert code.welcome_variant == variant

        qr = client.get(f"/channels/codes/{code.pk}/qr.png?download=1")
        assert qr.status_code == 200
        assert qr["Content-Type"] == "image/png"
        assert qr.content.startswith(PNG)
        assert qr["Content-Disposition"].startswith("attachment;")

        client.post(
            f"/channels/codes/{code.pk}/",
            {"staff": [chen.pk, sales.pk], "daily_cap": "20", "fallback": brand.lin_yue.pk},
        )
        code.refresh_from_db()
        # WeCom hears of the change after commit, from the outbox the worker drains.
        assert drain_outbox() == 1
        assert sorted(sim.world.ways[code.config_id]["user"]) == ["ChenJing", "Sales01"]
        assert code.daily_cap == 20
        assert code.fallback_staff == brand.lin_yue
        assert not code.skip_verify

        assert client.post(f"/channels/codes/{code.pk}/retire/").status_code == 302
    code.refresh_from_db()
    assert code.status == CodeStatus.RETIRED
    actions = set(AuditLog.objects.values_list("action", flat=True))
    assert {"channel_code.create", "channel_code.update", "channel_code.retire"} <= actions


def test_form_errors_are_translated_and_nothing_is_created(client: Client, brand: Brand) -> None:
    channel = create_channel("门店海报", ChannelKind.STORE_POSTER)
    login(client, brand.lin_yue)
    page = client.post("/channels/codes/new/", {"channel": channel.pk, "daily_cap": "0"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "请至少选择一名员工。" in html
    assert not ChannelCode.objects.exists()


def test_wecom_not_configured_is_said_not_500(
    client: Client, brand: Brand, settings: Settings
) -> None:
    settings.SIYU_WECOM_CORP_ID = ""
    channel = create_channel("门店海报", ChannelKind.STORE_POSTER)
    login(client, brand.lin_yue)
    page = client.post(
        "/channels/codes/new/", {"channel": channel.pk, "staff": [brand.chen_jing.pk]}
    )
    assert page.status_code == 200
    assert "企业微信尚未配置" in page.content.decode()
    assert not ChannelCode.objects.exists()


def _codes(brand: Brand, n: int) -> None:
    gateway = FakeGateway()
    store = create_channel("静安店海报", ChannelKind.STORE_POSTER, brand.stores[JINGAN])
    brand_wide = create_channel("抖音", ChannelKind.DOUYIN_VIDEO)
    for i in range(n):
        channel = store if i % 2 else brand_wide
        create_channel_code(channel, [brand.chen_jing], gateway=gateway, state=f"c{i}")


def test_roles_see_what_their_role_reaches(client: Client, brand: Brand) -> None:
    _codes(brand, 4)
    login(client, brand.lin_yue)
    html = client.get("/channels/codes/").content.decode()
    assert "抖音" in html
    assert "静安店海报" in html
    assert "新建渠道活码" in html

    login(client, brand.wang_qiang)
    page = client.get("/channels/codes/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "静安店海报" in html
    assert "抖音" not in html
    assert "新建渠道活码" not in html
    code = ChannelCode.objects.get(state="c1")
    assert client.post(f"/channels/codes/{code.pk}/retire/").status_code == 403
    assert client.get("/channels/codes/new/").status_code == 403
    other = ChannelCode.objects.get(state="c0")
    assert client.get(f"/channels/codes/{other.pk}/").status_code == 404

    login(client, brand.chen_jing)
    assert client.get("/channels/codes/").status_code == 403
    assert "/channels/codes/" not in client.get("/customers/").content.decode()


@pytest.mark.parametrize("n", [3, 30])
def test_the_code_list_costs_the_same_queries_for_many_codes(
    client: Client, brand: Brand, n: int, django_assert_max_num_queries: Any
) -> None:
    _codes(brand, n)
    login(client, brand.lin_yue)
    with django_assert_max_num_queries(13):
        assert client.get("/channels/codes/").status_code == 200


def test_the_pages_are_complete_in_english(client: Client, brand: Brand) -> None:
    _codes(brand, 2)
    login(client, brand.lin_yue)
    client.post("/i18n/setlang/", {"language": "en", "next": "/channels/codes/"})
    html = client.get("/channels/codes/").content.decode()
    assert "New channel code" in html
    assert "WeCom contact-way quota" in html
    assert "渠道活码" not in html
    status = client.get("/wecom/status/").content.decode()
    assert "Parked callbacks" in status
