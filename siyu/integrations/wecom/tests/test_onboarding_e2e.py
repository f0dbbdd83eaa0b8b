"""End to end: a simulated customer scans a channel code → the simulator POSTs a signed,
encrypted callback to Siyu's endpoint → inbox → event applied → onboarding → the
simulator receives the welcome within WeCom's 20 s."""

from __future__ import annotations

import pytest

from siyu.channels.codes import create_channel, create_channel_code
from siyu.channels.models import Attribution
from siyu.channels.tests.factories import make_variant
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.resolve import resolve_identities
from siyu.demo.brand import Brand
from siyu.integrations.wecom.onboarding import WeComChannelGateway
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.tests.conftest import (
    CORP_ID,
)
from siyu.integrations.wecom.transport import wecom_client


@pytest.fixture
def sim(callback_sim: Simulator) -> Simulator:
    return callback_sim


@pytest.mark.django_db(transaction=True)
def test_scan_to_welcome_through_the_real_callback_endpoint(sim: Simulator, brand: Brand) -> None:
    client = wecom_client()
    channel = create_channel("抖音-春季新品", "douyin_video")
    make_variant(channel)
    client.ensure_media("gift-cover", "image", "gift.png", b"\x89PNG")
    code = create_channel_code(
        channel, [brand.chen_jing, brand.wang_qiang], gateway=WeComChannelGateway(client)
    )
    scan = sim.scan(code.config_id, name="林小满", unionid="oU-e2e-1")
    assert scan.delivery.status == 200
    profile = resolve_identities(
        [IdentityInput("wecom_external_userid", scan.external_userid, CORP_ID)], source="test"
    )
    assert profile is not None
    assert profile.display_name == "林小满"
    assert Attribution.objects.get(customer=profile).channel == channel
    assert profile.tag_links.filter(tag__group__name="渠道", tag__name=channel.name).exists()
    assert profile.primary_owner is not None
    assert profile.primary_owner.wecom_userid == scan.userid
    assert profile.events.filter(type="onboarded").count() == 1
    [welcome] = sim.world.welcomes
    assert welcome.welcome_code == scan.welcome_code
    assert welcome.latency < 20
    # WeCom retries the same callback: nothing happens twice.
    assert sim.redeliver().status == 200
    assert len(sim.world.welcomes) == 1
    assert profile.events.filter(type="onboarded").count() == 1


@pytest.mark.django_db(transaction=True)
def test_simulated_group_and_delete_callbacks_are_accepted(sim: Simulator, brand: Brand) -> None:
    client = wecom_client()
    way = client.add_contact_way("grp", ["ChenJing"])
    scan = sim.scan(way["config_id"])
    chat_id = sim.create_group("ChenJing", "山茶咖啡会员群")
    assert sim.join_group(chat_id, scan.external_userid).status == 200
    assert sim.leave_group(chat_id, scan.external_userid).status == 200
    assert sim.customer_deletes_staff(scan.external_userid, "ChenJing").status == 200
    assert all(d.status == 200 for d in sim.deliveries)


@pytest.mark.django_db(transaction=True)
def test_the_welcome_card_carries_the_cover_the_worker_uploaded(
    sim: Simulator, brand: Brand
) -> None:
    """The scheduled job uploads the shipped gift-pack cover ahead of time; the welcome
    then carries the mini-program card with that media id, and no upload happens during
    the add."""
    from siyu.integrations.wecom.channel_tasks import prepare_welcome_media_task

    client = wecom_client()
    channel = create_channel("小红书-新人礼", "xiaohongshu_note")
    variant = make_variant(channel)
    variant.miniprogram_cover = "gift-pack.png"
    variant.save()
    assert prepare_welcome_media_task.call() == {"ready": 1, "missing": 0}
    [media_id] = sim.world.media
    assert prepare_welcome_media_task.call() == {"ready": 1, "missing": 0}
    assert list(sim.world.media) == [media_id]  # still fresh: not uploaded again
    code = create_channel_code(channel, [brand.chen_jing], gateway=WeComChannelGateway(client))
    sim.scan(code.config_id, name="周可可")
    [welcome] = sim.world.welcomes
    [card] = welcome.attachments
    assert card["msgtype"] == "miniprogram"
    assert card["miniprogram"]["pic_media_id"] == media_id
    assert card["miniprogram"]["page"] == "pages/gift/index"
    assert list(sim.world.media) == [media_id]


@pytest.mark.django_db(transaction=True)
def test_a_cover_wecom_no_longer_knows_costs_the_card_not_the_welcome(
    sim: Simulator, brand: Brand
) -> None:
    from siyu.integrations.wecom.channel_tasks import prepare_welcome_media_task
    from siyu.integrations.wecom.client.models import MediaUpload

    client = wecom_client()
    channel = create_channel("门店海报-新人礼", "store_poster")
    variant = make_variant(channel)
    variant.miniprogram_cover = "gift-pack.png"
    variant.save()
    prepare_welcome_media_task.call()
    sim.world.media.clear()  # WeCom dropped it (a restart of the demo's simulator, say)
    code = create_channel_code(channel, [brand.chen_jing], gateway=WeComChannelGateway(client))
    sim.scan(code.config_id, name="沈一一")
    [welcome] = sim.world.welcomes
    assert welcome.text.startswith("欢迎来到山茶咖啡")
    assert welcome.attachments == ()
    assert not MediaUpload.objects.exists()  # forgotten, so the next run uploads again
    assert prepare_welcome_media_task.call() == {"ready": 1, "missing": 0}
    [media_id] = sim.world.media
    sim.scan(code.config_id, name="沈二二")
    assert sim.world.welcomes[-1].attachments[0]["miniprogram"]["pic_media_id"] == media_id
