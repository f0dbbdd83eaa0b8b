"""Onboarding on contact_added: welcome once, attribution, tags, owner, phone merges."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import timezone

from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.models import Attribution, ChannelCode, Touch, WelcomeSend
from siyu.channels.tests.factories import make_variant
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer, Event, Order
from siyu.customers.orders import OrderInput, OrderLineInput, import_order
from siyu.customers.profiles import upsert_customer
from siyu.customers.resolve import resolve_identities
from siyu.customers.tagging import ensure_tag
from siyu.demo.brand import Brand
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.signals import contact_added
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_client, make_simulator
from siyu.integrations.wecom.tests.conftest import CORP_ID, wired

pytestmark = pytest.mark.django_db


@pytest.fixture
def sim(immediate_tasks: None) -> Iterator[Simulator]:
    with wired(make_simulator(corp_id=CORP_ID)) as simulator:
        yield simulator


def _code(sim: Simulator, brand: Brand, client: WeComClient) -> ChannelCode:
    channel = create_channel("小红书-探店笔记", "xiaohongshu_note")
    make_variant(channel)
    client.ensure_media("gift-cover", "image", "gift.png", b"\x89PNG")
    return create_channel_code(channel, [brand.chen_jing], gateway=WeComChannelGateway(client))


def _fire(sim: Simulator, brand: Brand, code: ChannelCode, **scan_kwargs: str) -> Customer:
    scan = sim.scan(code.config_id, **scan_kwargs)
    customer = upsert_customer(
        [IdentityInput("wecom_external_userid", scan.external_userid, CORP_ID)],
        fields={},
        source="test",
    )
    at = timezone.now()
    for _ in range(2):  # the same event signalled twice (a redelivery)
        contact_added.send(
            sender=None,
            corp_id=CORP_ID,
            user_id=scan.userid,
            external_user_id=scan.external_userid,
            staff=brand.chen_jing,
            customer=customer,
            state=code.state,
            welcome_code=scan.welcome_code,
            change_type="add_external_contact",
            inbox_id=1,
            occurred_at=at,
        )
    return customer


def test_signal_twice_sends_one_welcome_and_attributes_once(sim: Simulator, brand: Brand) -> None:
    client = make_client(sim)
    code = _code(sim, brand, client)
    customer = _fire(sim, brand, code, name="小雨")
    assert len(sim.world.welcomes) == 1
    welcome = sim.world.welcomes[0]
    assert "新人礼包" in welcome.text
    assert welcome.attachments[0]["miniprogram"]["page"] == "pages/gift/index"
    assert welcome.latency < 20
    assert WelcomeSend.objects.count() == 1
    assert Touch.objects.count() == 1
    customer.refresh_from_db()
    assert Attribution.objects.get(customer=customer).channel.name == "小红书-探店笔记"
    assert customer.primary_owner == brand.chen_jing
    assert customer.display_name == "小雨"
    assert list(customer.tag_links.values_list("tag__group__name", "tag__name")) == [
        ("渠道", "小红书-探店笔记")
    ]
    assert Event.objects.filter(customer=customer, type="onboarded").count() == 1
    follow = next(iter(sim.world.contacts.values())).follows["ChenJing"]
    assert follow["tags"] == []  # WeCom's card is tagged after commit, by the worker
    assert drain_outbox() == 1
    assert len(follow["tags"]) == 1  # the channel tag is on the WeCom card too


def test_old_taobao_buyer_merges_when_staff_notes_the_phone(sim: Simulator, brand: Brand) -> None:
    buyer = upsert_customer(
        [
            IdentityInput("taobao_buyer_id", "tb_camellia_fan"),
            IdentityInput("phone", "13917265843"),
        ],
        fields={"phone": "13917265843"},
        source="import",
    )
    import_order(
        buyer,
        OrderInput(
            platform="taobao",
            order_no="TB1001",
            paid_at=timezone.now(),
            total_fen=5900,
            paid_fen=5900,
            lines=(OrderLineInput("BEAN1", "云南咖啡豆", 1, 5900, 5900),),
        ),
    )
    client = make_client(sim)
    code = _code(sim, brand, client)
    _fire(sim, brand, code, remark_mobile="13917265843")
    ext = next(iter(sim.world.contacts))
    profile = resolve_identities(
        [IdentityInput("wecom_external_userid", ext, CORP_ID)], source="test"
    )
    assert profile is not None
    assert list(Order.objects.filter(customer=profile).values_list("order_no", flat=True)) == [
        "TB1001"
    ]
    assert Attribution.objects.get(customer=profile).channel.name == "小红书-探店笔记"


def test_wecom_unreachable_after_the_scan_still_attributes_and_tags_locally(
    sim: Simulator, brand: Brand
) -> None:
    import httpx

    from siyu.integrations.wecom.onboarding import ContactAdded, run_onboarding

    client = make_client(sim)
    code = _code(sim, brand, client)
    scan = sim.scan(code.config_id)
    customer = upsert_customer(
        [IdentityInput("wecom_external_userid", scan.external_userid, CORP_ID)],
        fields={},
        source="test",
    )

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("network unreachable", request=request)

    offline = make_client(sim)
    offline.http = httpx.Client(transport=httpx.MockTransport(down), base_url="http://wecom")
    event = ContactAdded(
        CORP_ID,
        scan.userid,
        scan.external_userid,
        customer.pk,
        brand.chen_jing.pk,
        code.state,
        "",
        timezone.now().isoformat(),
    )
    result = run_onboarding(event, client=offline)
    assert result["channel"] == "小红书-探店笔记"
    assert Attribution.objects.get(customer=customer).channel == code.channel
    assert Event.objects.filter(customer=customer, type="onboarded").count() == 1


def test_a_welcome_left_sending_by_a_dead_worker_ends_failed_when_onboarding_reruns(
    sim: Simulator, brand: Brand
) -> None:
    from datetime import timedelta

    from siyu.channels.models import WelcomeStatus
    from siyu.integrations.wecom.onboarding import ContactAdded, run_onboarding

    client = make_client(sim)
    code = _code(sim, brand, client)
    scan = sim.scan(code.config_id)
    customer = upsert_customer(
        [IdentityInput("wecom_external_userid", scan.external_userid, CORP_ID)],
        fields={},
        source="test",
    )
    at = timezone.now() - timedelta(minutes=5)
    # The worker claimed the code, then was killed before WeCom answered.
    WelcomeSend.objects.create(welcome_code=scan.welcome_code, customer=customer, event_at=at)
    event = ContactAdded(
        CORP_ID,
        scan.userid,
        scan.external_userid,
        customer.pk,
        brand.chen_jing.pk,
        code.state,
        scan.welcome_code,
        at.isoformat(),
    )
    result = run_onboarding(event, client=client)  # the requeued task
    send = WelcomeSend.objects.get()
    assert send.status == WelcomeStatus.FAILED
    assert "interrupted" in send.last_error
    assert result["channel"] == code.channel.name
    assert Event.objects.filter(customer=customer, type="onboarded").count() == 1


def test_a_code_applies_its_tags_and_sends_the_welcome_it_names(
    sim: Simulator, brand: Brand
) -> None:
    client = make_client(sim)
    channel = create_channel("门店海报", "store_poster")
    make_variant(channel, "A", weight=100)
    named = make_variant(channel, "B", weight=1)
    named.text = "扫码有礼：这是 B 版欢迎语"
    named.save()
    interest = ensure_tag("兴趣", "手冲")
    code = create_channel_code(
        channel,
        [brand.chen_jing],
        gateway=WeComChannelGateway(client),
        tags=[interest],
        welcome_variant=named,
    )
    customer = _fire(sim, brand, code)
    assert [w.text for w in sim.world.welcomes] == ["扫码有礼：这是 B 版欢迎语"]
    tags = set(customer.tag_links.values_list("tag__group__name", "tag__name"))
    assert tags == {("渠道", "门店海报"), ("兴趣", "手冲")}
