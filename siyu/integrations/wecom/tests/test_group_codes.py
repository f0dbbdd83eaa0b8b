"""Group codes (群活码) against the simulator over HTTP: the join-way config follows the
groups scanners can still join (rotated before 200), WeCom's auto-created rooms join the
code, and every scan is attributed by the config's ``state`` through groupchat/get."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from django.test import Client
from django.utils import timezone

from siyu.community.codes import create_group_code
from siyu.community.joins import attribute_joins
from siyu.community.models import GroupCode, GroupJoin
from siyu.customers.consent import record_consent
from siyu.customers.follows import follow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.profiles import upsert_customer
from siyu.demo.brand import Brand
from siyu.groups.models import ChangeKind, GroupChat, GroupMember, GroupType, MemberChange
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.group_members import WeComJoinWayGateway
from siyu.integrations.wecom.outbox import drain_outbox
from siyu.integrations.wecom.process import drain_pending
from siyu.integrations.wecom.simulator.server import Simulator
from siyu.integrations.wecom.simulator.testing import make_client, make_simulator
from siyu.integrations.wecom.tests.conftest import AES_KEY, CORP_ID, TOKEN, wired
from siyu.integrations.wecom.tests.messaging_world import no_quiet_hours
from siyu.messaging.models import Send
from siyu.messaging.send import Message

pytestmark = pytest.mark.django_db


class TestClientTransport(httpx.BaseTransport):
    """Delivers the simulator's callbacks through Django's test client (inside the test's
    transaction), then runs the worker's inbox poll."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        query = "&".join(f"{k}={v}" for k, v in request.url.params.multi_items())
        answer = Client().post(
            f"{request.url.path}?{query}", request.content, content_type="text/xml"
        )
        drain_pending()
        return httpx.Response(answer.status_code, content=answer.content)


@pytest.fixture
def callback_sim() -> Iterator[Simulator]:
    simulator = make_simulator(
        corp_id=CORP_ID,
        callback_token=TOKEN,
        aes_key=AES_KEY,
        callback_url="http://testserver/wecom/callback/",
        callback_transport=TestClientTransport(),
    )
    with wired(simulator):
        yield simulator


def _drain() -> None:
    while drain_outbox():
        pass


def _code(sim: Simulator, chats: list[str], **options: object) -> tuple[GroupCode, WeComClient]:
    client = make_client(sim)
    _drain()  # the create callbacks' refreshes: our GroupChat rows
    rows = [GroupChat.objects.get(chat_id=c) for c in chats]
    code = create_group_code(
        "静安店福利群",
        rows,
        gateway=WeComJoinWayGateway(client),
        **options,  # type: ignore[arg-type]
    )
    return code, client


def test_a_scan_is_attributed_by_state_with_scene_and_customer(callback_sim: Simulator) -> None:
    chat = callback_sim.create_group("LinYue", "静安店福利1群")
    code, _client = _code(callback_sim, [chat], room_base_name="静安店福利")
    way = callback_sim.world.join_ways[code.config_id]
    assert way["state"] == code.state
    assert way["chat_id_list"] == [chat]
    assert code.qr_code

    assert callback_sim.scan_join_way(code.config_id, "wmZhaoLei") == chat
    _drain()
    member = GroupMember.objects.get(chat__chat_id=chat, userid="wmZhaoLei")
    assert (member.state, member.join_scene) == (code.state, 3)
    assert member.customer_id is not None
    join = GroupJoin.objects.get()
    assert (join.code_id, join.customer_id) == (code.pk, member.customer_id)
    assert MemberChange.objects.filter(kind=ChangeKind.JOIN, userid="wmZhaoLei").count() == 1
    assert attribute_joins(chat) == []  # a second refresh attributes nothing twice


def test_the_code_rotates_to_the_next_group_before_200(callback_sim: Simulator) -> None:
    first = callback_sim.create_group("LinYue", "静安店福利1群")
    second = callback_sim.create_group("LinYue", "静安店福利2群")
    code, _client = _code(callback_sim, [first, second], rotate_at=190)
    assert callback_sim.world.join_ways[code.config_id]["chat_id_list"] == [first, second]
    callback_sim.fill_group(first, 188)  # invited members: 189 with the owner
    callback_sim.scan_join_way(code.config_id, "wmNew0001")  # 190: the threshold
    _drain()
    assert GroupChat.objects.get(chat_id=first).member_count == 190
    assert callback_sim.world.join_ways[code.config_id]["chat_id_list"] == [second]
    assert callback_sim.scan_join_way(code.config_id, "wmNew0002") == second


def test_a_full_code_with_auto_create_room_opens_a_room_that_joins_the_code(
    callback_sim: Simulator,
) -> None:
    chat = callback_sim.create_group("LinYue", "静安店福利1群")
    code, _client = _code(callback_sim, [chat], rotate_at=190, room_base_name="静安店福利")
    callback_sim.fill_group(chat, 199)  # 200 with the owner: WeCom takes no more scans
    opened = callback_sim.scan_join_way(code.config_id, "wmLate001")
    assert opened is not None
    assert opened != chat
    assert callback_sim.world.groups[opened]["name"] == "静安店福利1"
    _drain()
    code.refresh_from_db()
    assert list(code.chats.values_list("chat__chat_id", flat=True)) == [chat, opened]
    assert GroupJoin.objects.get().chat.chat_id == opened
    assert code.room_base_id == 2  # the next room is 静安店福利2
    assert callback_sim.world.join_ways[code.config_id]["chat_id_list"] == [opened]


def test_without_auto_create_room_a_full_code_turns_scanners_away(
    callback_sim: Simulator,
) -> None:
    chat = callback_sim.create_group("LinYue", "静安店福利1群")
    code, _client = _code(callback_sim, [chat], auto_create_room=False)
    callback_sim.fill_group(chat, 199)
    assert callback_sim.scan_join_way(code.config_id, "wmLate001") is None
    assert GroupJoin.objects.count() == 0


def test_a_quit_marks_the_member_left_and_counts_once(callback_sim: Simulator) -> None:
    chat = callback_sim.create_group("LinYue", "静安店福利1群", ["wmZhaoLei"])
    _drain()
    callback_sim.leave_group(chat, "wmZhaoLei")
    callback_sim.redeliver()  # WeCom retries: the same quit again
    _drain()
    member = GroupMember.objects.get(userid="wmZhaoLei")
    assert member.left_at is not None
    assert MemberChange.objects.filter(kind=ChangeKind.QUIT).count() == 1
    assert GroupChat.objects.get(chat_id=chat).member_count == 1  # the owner


def test_the_welcome_of_a_code_is_planned_through_messaging(callback_sim: Simulator) -> None:
    chat = callback_sim.create_group("LinYue", "静安店福利1群")
    welcome = Message(text="欢迎来到静安店福利群！每天 10 点发今日特价。")
    code, _client = _code(callback_sim, [chat], welcome=welcome)
    callback_sim.scan_join_way(code.config_id, "wmZhaoLei")
    _drain()
    send = Send.objects.get(source="community-welcome")
    assert send.customer_id == GroupJoin.objects.get().customer_id


def test_a_code_wecom_refuses_is_not_kept(callback_sim: Simulator) -> None:
    from siyu.integrations.wecom.client.errors import WeComError

    chat = callback_sim.create_group("LinYue", "静安店福利1群")
    callback_sim.inject("/cgi-bin/externalcontact/groupchat/add_join_way", 40058)
    with pytest.raises(WeComError):
        _code(callback_sim, [chat])
    assert GroupCode.objects.count() == 0
    assert callback_sim.world.join_ways == {}


def _koc(name: str, brand: Brand) -> Customer:
    """A customer LinYue follows on WeCom, who agreed to marketing."""
    at = timezone.now()
    customer = upsert_customer(
        [IdentityInput("wecom_external_userid", f"wm{name}", CORP_ID)],
        fields={"display_name": name}, source="test", at=at,
    )  # fmt: skip
    follow_customer(customer, brand.lin_yue, primary=True, at=at)
    record_consent(
        customer, purpose="marketing", granted=True, policy_version="v1", source="t", at=at
    )
    return customer


def test_the_top_kocs_are_invited_into_the_koc_group_and_their_scans_credited(
    callback_sim: Simulator, brand: Brand
) -> None:
    from siyu.integrations.wecom.simulator.qr import config_id_of
    from siyu.messaging.delivery import poll_delivery
    from siyu.referrals.codes import code_for, state_of
    from siyu.referrals.koc_group import invite_kocs
    from siyu.referrals.tests.factories import add_with_state, drain, make_programme

    no_quiet_hours()
    chat = callback_sim.create_group("LinYue", "山茶咖啡·KOC 体验官群")
    code, _client = _code(callback_sim, [chat], room_base_name="KOC 体验官")
    # WeCom's answer carries a QR image the simulator serves, as for contact ways.
    assert config_id_of(httpx.URL(code.qr_code).path) == code.config_id
    assert callback_sim.qr_image(code.config_id)
    GroupChat.objects.filter(chat_id=chat).update(group_type=GroupType.KOC)
    programme = make_programme()
    lei, min_, na = (_koc(n, brand) for n in ("ZhaoLei", "ZhangMin", "LiNa"))
    for koc, friends in ((lei, 3), (min_, 2), (na, 1)):
        state = state_of(code_for(programme, customer_id=koc.pk))
        for n in range(friends):
            add_with_state(_koc(f"Friend{koc.pk}x{n}", brand), state)
    drain()

    done = invite_kocs(code, "邀请你加入山茶咖啡 KOC 体验官群", top=2)
    assert done.outcome.counts["queued"] == 2
    assert poll_delivery() == 1  # LinYue's one mass task
    (task,) = callback_sim.mass_tasks.values()
    assert set(task.targets) == {"wmZhaoLei", "wmZhangMin"}
    assert task.attachments[0]["image"]["pic_url"] == code.qr_code

    assert callback_sim.scan_join_way(code.config_id, "wmZhaoLei") == chat
    _drain()
    join = GroupJoin.objects.get()
    assert (join.customer_id, join.invite_id) == (lei.pk, done.invite.pk)
    sop = Send.objects.filter(source="community-sop", chat_id=chat)
    assert {s.kind for s in done.slots} == {"trial", "brief", "session"}
    assert sop.exists()
