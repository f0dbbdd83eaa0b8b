"""API areas against the simulator: paging, tags, ways, groups, transfers, media cache,
and one run over real HTTP on a loopback port."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.models import MediaUpload
from siyu.integrations.wecom.simulator.server import start_server
from siyu.integrations.wecom.simulator.testing import make_client, make_simulator

pytestmark = pytest.mark.django_db


def test_contacts_by_user_follows_cursor_pages() -> None:
    sim = make_simulator()
    client = make_client(sim)
    way = client.add_contact_way("paging", ["ChenJing"])
    for _ in range(7):
        sim.scan(way["config_id"])
    items = list(client.contacts_by_user(["ChenJing"], limit=3))
    assert len(items) == 7
    assert len({i["external_contact"]["external_userid"] for i in items}) == 7
    assert all(i["follow_info"]["state"] == "paging" for i in items)
    assert len(sim.errcodes("/cgi-bin/externalcontact/batch/get_by_user")) == 3


def test_contact_get_and_unionid_conversion() -> None:
    sim = make_simulator()
    client = make_client(sim)
    way = client.add_contact_way("u", ["WangQiang"])
    scan = sim.scan(way["config_id"], unionid="oU-union-1", name="张敏")
    contact = client.get_external_contact(scan.external_userid)
    assert contact["external_contact"]["name"] == "张敏"
    assert contact["follow_user"][0]["userid"] == "WangQiang"
    assert client.unionid_to_external_userid("oU-union-1", "openid-1") == [scan.external_userid]
    assert client.external_userid_to_unionid(scan.external_userid) == "oU-union-1"


def test_tags_are_created_once_and_marked() -> None:
    sim = make_simulator()
    client = make_client(sim)
    scan = sim.scan(client.add_contact_way("t", ["ChenJing"])["config_id"])
    tag_id = client.ensure_corp_tag("渠道", "抖音")
    assert client.ensure_corp_tag("渠道", "抖音") == tag_id
    other = client.ensure_corp_tag("渠道", "小红书")
    client.mark_tag("ChenJing", scan.external_userid, add=[tag_id, other])
    client.mark_tag("ChenJing", scan.external_userid, remove=[other])
    follow = sim.world.contacts[scan.external_userid].follows["ChenJing"]
    assert follow["tags"] == [{"tag_id": tag_id, "type": 1}]
    client.edit_corp_tag(tag_id, "抖音短视频")
    client.del_corp_tag(tag_ids=[other])
    names = [t["name"] for g in client.corp_tag_list() for t in g["tag"]]
    assert names == ["抖音短视频"]


def test_contact_way_update_and_delete() -> None:
    sim = make_simulator()
    client = make_client(sim)
    way = client.add_contact_way("w1", ["ChenJing", "WangQiang"], skip_verify=False)
    client.update_contact_way(way["config_id"], "w1", ["LinYue"])
    assert client.get_contact_way(way["config_id"])["user"] == ["LinYue"]
    client.del_contact_way(way["config_id"])
    assert way["config_id"] not in sim.world.ways


def test_mass_message_groups_and_transfer_polling() -> None:
    sim = make_simulator()
    client = make_client(sim)
    scan = sim.scan(client.add_contact_way("m", ["ChenJing"])["config_id"])
    task = client.add_msg_template(
        sender="ChenJing", text="上新", external_userids=[scan.external_userid]
    )
    results = list(client.groupmsg_send_results(task["msgid"], "ChenJing"))
    assert results[0]["external_userid"] == scan.external_userid
    chat_id = sim.create_group("ChenJing", "山茶咖啡粉丝群", [scan.external_userid])
    assert [g["chat_id"] for g in client.groupchats(owners=["ChenJing"])] == [chat_id]
    assert len(client.groupchat(chat_id)["member_list"]) == 2
    started = client.transfer_customers("ChenJing", "WangQiang", [scan.external_userid, "wmnone"])
    assert started == {scan.external_userid: 0, "wmnone": 84061}
    polled = list(client.transfer_results("ChenJing", "WangQiang"))
    assert polled[0]["status"] == 2  # waiting: completes within 24 h


def test_media_is_cached_and_reuploaded_a_day_before_it_expires() -> None:
    sim = make_simulator()
    client = make_client(sim)
    assert client.cached_media_id("cover") is None
    first = client.ensure_media("cover", "image", "cover.png", b"\x89PNG")
    assert client.ensure_media("cover", "image", "cover.png", b"\x89PNG") == first
    assert client.cached_media_id("cover") == first
    MediaUpload.objects.update(expires_at=timezone.now() + timedelta(hours=12))
    second = client.ensure_media("cover", "image", "cover.png", b"\x89PNG")
    assert second != first
    assert len(sim.errcodes("/cgi-bin/media/upload")) == 2


def test_client_and_simulator_over_real_http_on_loopback() -> None:
    sim = make_simulator()
    server = start_server(sim)
    try:
        assert server.url.startswith("http://127.0.0.1:")
        client = WeComClient(sim.corp_id, sim.secret, base_url=server.url)
        assert "LinYue" in client.follow_user_list()
        way = client.add_contact_way("http", ["LinYue"])
        scan = sim.scan(way["config_id"])
        client.send_welcome_msg(scan.welcome_code, "你好")
        assert sim.world.welcomes[0].welcome_code == scan.welcome_code
        client.close()
    finally:
        server.stop()
