"""The chat sidebar: the panel for the chat's customer or group, the page's JS-SDK
signature, and the one-tap send rendering a material with its tracked link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from siyu.console.tests.factories import login
from siyu.console.tests.sidebar_helpers import EXTERNAL_USERID, seed_sidebar
from siyu.content.models import ContentSend, MaterialKind, TrackedLink
from siyu.content.tests.factories import buy, make_material
from siyu.core.models import Role
from siyu.demo.brand import Brand
from siyu.integrations.wecom.jssdk import signature
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_simulator
from siyu.integrations.wecom.transport import use_transport

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim() -> Iterator[Simulator]:
    simulator = make_simulator()
    use_transport(simulator.transport())
    cache.clear()
    with override_settings(
        SIYU_WECOM_CORP_ID=simulator.corp_id,
        SIYU_WECOM_SECRET=simulator.secret,
        SIYU_PUBLIC_URL="https://siyu.example.com",
    ):
        yield simulator
    use_transport(None)
    cache.clear()


def test_the_panel_shows_profile_tags_orders_of_every_platform_and_budget(
    client: Client, brand: Brand
) -> None:
    seed_sidebar(brand)
    page = login(client, brand.chen_jing).get(
        "/sidebar/customer/", {"external_userid": EXTERNAL_USERID}
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "张敏" in body
    assert {p["platform"] for p in page.context["platforms"]} == {"miniprogram", "taobao"}
    assert "¥129.00" in body
    assert "¥38.00" in body
    assert page.context["budget"].wecom_limit > 0
    assert [m.title for m in page.context["scripts"]] == ["开场话术"]
    assert [m.title for m in page.context["materials"]] == ["手冲入门"]
    assert 'id="workbench"' in body
    assert 'id="loyalty-ledger"' in body  # her points and ledger, as on the 360 page


def test_a_contact_the_staff_member_may_not_see_is_not_shown(client: Client, brand: Brand) -> None:
    seed_sidebar(brand)
    page = login(client, brand.staff["sales05"]).get(
        "/sidebar/customer/", {"external_userid": EXTERNAL_USERID}
    )
    assert "张敏" not in page.content.decode()
    assert client.get("/sidebar/customer/", {"external_userid": "x" * 65}).status_code == 400


def test_the_panel_reads_a_fixed_number_of_queries(client: Client, brand: Brand) -> None:
    seeded = seed_sidebar(brand)
    login(client, brand.chen_jing)
    url = f"/sidebar/customer/?external_userid={EXTERNAL_USERID}"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(8):
        buy(seeded.customer, f"more-{i}", 100 + i, seeded.customer.created_at)
        make_material(f"素材{i}", tags=(f"t{i}",))
        make_material(f"话术{i}", kind=MaterialKind.SCRIPT, url="", text="hi")
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)
    # 20, +5: her points ledger (balance, pending, tier, paid plans, latest entries).
    assert 5 <= len(few) <= 26


def test_the_config_signs_this_page_with_the_simulators_tickets(
    client: Client, brand: Brand, sim: Simulator
) -> None:
    login(client, brand.chen_jing)
    page_url = "https://siyu.example.com/sidebar/?entry=single_chat_tools"
    data = client.get("/sidebar/config/", {"url": page_url + "#x"}).json()
    assert data["corpid"] == sim.corp_id
    expected = signature(sim.tickets["corp"], data["nonceStr"], data["timestamp"], page_url)
    assert data["signature"] == expected
    agent = signature(sim.tickets["agent"], data["nonceStr"], data["timestamp"], page_url)
    assert data["agentSignature"] == agent
    # Only our own sidebar page is signed.
    assert client.get("/sidebar/config/", {"url": "https://evil.example/x"}).status_code == 400


def test_one_tap_renders_the_material_with_a_tracked_link_for_this_customer(
    client: Client, brand: Brand
) -> None:
    seeded = seed_sidebar(brand)
    login(client, brand.chen_jing)
    r = client.post(
        "/sidebar/send/", {"material": seeded.article.pk, "customer": seeded.customer.pk}
    )
    args = r.json()
    link = TrackedLink.objects.get()
    assert args["msgtype"] == "news"
    assert args["news"]["link"].endswith(f"/r/{link.code}")
    assert (link.customer_id, link.sender_id) == (seeded.customer.pk, brand.chen_jing.pk)
    assert ContentSend.objects.get().customer_id == seeded.customer.pk
    script = client.post(
        "/sidebar/send/", {"material": seeded.script.pk, "customer": seeded.customer.pk}
    ).json()
    assert script == {"msgtype": "text", "text": {"content": "张敏 您好，我是陈静"}}


def test_a_material_out_of_scope_or_a_hidden_customer_cannot_be_sent(
    client: Client, brand: Brand
) -> None:
    seeded = seed_sidebar(brand)
    managers = make_material("店长专用", roles=(Role.STORE_MANAGER,))
    login(client, brand.chen_jing)
    assert client.post("/sidebar/send/", {"material": managers.pk}).status_code == 404
    login(client, brand.staff["sales05"])
    r = client.post(
        "/sidebar/send/", {"material": seeded.article.pk, "customer": seeded.customer.pk}
    )
    assert r.status_code == 404
    assert client.post("/sidebar/send/", {"material": "x"}).status_code == 400


def test_the_group_panel_offers_materials_for_the_group(client: Client, brand: Brand) -> None:
    seed_sidebar(brand)
    page = login(client, brand.chen_jing).get("/sidebar/group/", {"chat_id": "wrGroup1"})
    assert page.status_code == 200
    assert [m.title for m in page.context["materials"]] == ["手冲入门"]
    r = client.post(
        "/sidebar/send/", {"material": page.context["materials"][0].pk, "chat_id": "wrGroup1"}
    )
    assert r.json()["msgtype"] == "news"
    assert TrackedLink.objects.get().recipient == "*"


def test_the_panel_shows_the_reps_open_tasks_and_the_latest_notes(
    client: Client, brand: Brand
) -> None:
    from django.utils import timezone

    from siyu.workbench.models import FollowNote
    from siyu.workbench.tasks import create_task

    seeded = seed_sidebar(brand)
    create_task(
        customer_id=seeded.customer.pk, staff_id=brand.chen_jing.pk, kind="call",
        title="回访新到的豆子", due_at=timezone.now(), source="test", source_key="sidebar",
    )  # fmt: skip
    create_task(
        customer_id=seeded.customer.pk, staff_id=brand.staff["sales05"].pk, kind="call",
        title="别人的任务", due_at=timezone.now(), source="test", source_key="other",
    )  # fmt: skip
    FollowNote.objects.create(customer=seeded.customer, staff=brand.chen_jing, text="喜欢浅烘")
    body = (
        login(client, brand.chen_jing)
        .get("/sidebar/customer/", {"external_userid": EXTERNAL_USERID})
        .content.decode()
    )
    assert "回访新到的豆子" in body
    assert "别人的任务" not in body
    assert "喜欢浅烘" in body
