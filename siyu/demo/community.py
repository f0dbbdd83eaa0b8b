"""The demo's community (钱大妈-style): 王强's store group at 静安店 with daily deals at
10:00 and 17:30, a Friday lucky draw and free delivery over ¥38; two weeks of joins (by
the store's group code) and quits, with a spike after the day three deals went out in a
row; a persona operated by two accounts; 赵蕾's group check-in. Deterministic."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from siyu.community.checkin import group_check_in
from siyu.community.codes import create_group_code
from siyu.community.joins import attribute_joins
from siyu.community.models import PostKind, SopSlot
from siyu.community.personas import plan_moment, save_persona
from siyu.community.seams import JoinWayMade, JoinWaySpec
from siyu.community.sop import plan_slots, schedule_post
from siyu.customers.models import Customer, CustomerStatus, Identity
from siyu.demo.brand import load_brand
from siyu.demo.catalog import WECOM_CORP
from siyu.groups.members import SeenMember, record_member_change, record_members
from siyu.groups.models import ChangeKind, GroupChat, GroupTag, GroupType
from siyu.integrations.wecom.simulator.qr import DEFAULT_IMAGE_BASE, qr_url
from siyu.messaging.send import Message

STORE_GROUP = "wrDemoJinganDeals01"
MEMBERS = 40
DEAL = "今日特价：拿铁 ¥9.9，美式 ¥8.8，满 38 元免配送，10 点开抢，限量 50 杯。"
EVENING = "晚市特价：面包买一送一，17:30 起，到店或小程序下单。"
DRAW = "周五 20:00 整点抽奖：群内接龙，抽 3 位送挂耳咖啡一盒。"


class OfflineJoinWays:
    """The demo builds without WeCom: the code's join way is made when WeCom is set up.
    Its QR image is where WeCom's image host keeps one (the simulator's URL form), so the
    code can be sent in an invitation like any code WeCom made."""

    def add_join_way(self, spec: JoinWaySpec) -> JoinWayMade:
        config_id = "demo" + spec.state.removeprefix("gc-")
        return JoinWayMade(config_id, qr_url(DEFAULT_IMAGE_BASE, config_id))

    def update_join_way(self, config_id: str, spec: JoinWaySpec) -> None:
        return None

    def del_join_way(self, config_id: str) -> None:
        return None


def _people() -> list[tuple[str, int]]:
    rows = Identity.objects.filter(
        type="wecom_external_userid", namespace=WECOM_CORP,
        customer__status=CustomerStatus.ACTIVE,
    ).order_by("customer_id").values_list("value", "customer_id")  # fmt: skip
    people = [(str(v), int(c)) for v, c in rows[:MEMBERS] if c is not None]
    zhao = Customer.objects.filter(display_name="赵蕾", status=CustomerStatus.ACTIVE).first()
    if zhao is not None and zhao.pk not in {c for _v, c in people}:
        value = Identity.objects.filter(customer=zhao, type="wecom_external_userid").first()
        people.append((value.value if value else f"wmDemo{zhao.pk}", zhao.pk))
    return people


def _joined_at(n: int, now: datetime) -> datetime:
    return now - timedelta(days=14 - n % 14, hours=n % 5)


def _history(chat: GroupChat, people: list[tuple[str, int]], now: datetime) -> None:
    """Joins over the past two weeks, daily deals, and quits after the over-messaged day."""
    for n, (userid, customer_id) in enumerate(people):
        record_member_change(
            chat.chat_id, userid, kind=ChangeKind.JOIN, customer_id=customer_id, scene=3,
            occurred_at=_joined_at(n, now),
            idempotency_key=f"demo:join:{userid}",
        )  # fmt: skip
    for day in range(7, 0, -1):
        at = datetime.combine((now - timedelta(days=day)).date(), time(10, 0), now.tzinfo)
        schedule_post([chat], PostKind.DAILY_DEAL, DEAL, at, batch=f"demo:deal:{day}")
    loud = datetime.combine((now - timedelta(days=3)).date(), time(12, 0), now.tzinfo)
    for extra in (PostKind.OFFER, PostKind.LUCKY_DRAW):
        schedule_post([chat], extra, "限时加推：" + DRAW, loud, batch=f"demo:loud:{extra}")
    for userid, customer_id in people[-4:]:
        record_member_change(
            chat.chat_id, userid, kind=ChangeKind.QUIT, customer_id=customer_id,
            occurred_at=loud + timedelta(hours=3), idempotency_key=f"demo:quit:{userid}",
        )  # fmt: skip


def build_community(now: datetime) -> GroupChat | None:
    brand = load_brand()
    people = _people()
    if GroupChat.objects.filter(chat_id=STORE_GROUP).exists() or not people:
        return GroupChat.objects.filter(chat_id=STORE_GROUP).first()
    owner = str(brand.wang_qiang.wecom_userid)
    record_members(STORE_GROUP, [SeenMember(owner, 1, 1)])
    GroupChat.objects.filter(chat_id=STORE_GROUP).update(
        name="山茶咖啡·静安店福利群", owner_userid=owner, group_type=GroupType.STORE
    )
    chat = GroupChat.objects.get(chat_id=STORE_GROUP)
    chat.tags.set([GroupTag.objects.get_or_create(name=n)[0] for n in ("静安店", "每日特价")])
    code = create_group_code(
        "静安店福利群活码", [chat], gateway=OfflineJoinWays(), room_base_name="山茶咖啡·静安店福利",
        welcome=Message(text="欢迎进群！每天 10:00 和 17:30 发特价，满 38 元免配送。"),
    )  # fmt: skip
    _history(chat, people, now)
    seen = [SeenMember(owner, 1, 1)] + [
        SeenMember(u, 2, 3, _joined_at(n, now), code.state, c)
        for n, (u, c) in enumerate(people[:-4])
    ]
    record_members(STORE_GROUP, seen)
    attribute_joins(STORE_GROUP)
    for name, kind, text, at, days in (
        ("早市特价", PostKind.DAILY_DEAL, DEAL, time(10, 0), []),
        ("晚市特价", PostKind.DAILY_DEAL, EVENING, time(17, 30), []),
        ("周五整点抽奖", PostKind.LUCKY_DRAW, DRAW, time(20, 0), [5]),
    ):
        slot = SopSlot.objects.create(
            name=name, kind=kind, text=text, at_time=at, weekdays=days, created_at=now
        )
        slot.chats.set([chat])
    plan_slots(now)
    persona = save_persona(
        "咖啡师小山", staff=[brand.lin_yue, brand.chen_jing],
        bio="山茶咖啡首席咖啡师，十年烘焙经验。", voice="亲切、专业，不催单；先讲风味再讲优惠。",
        certifications=["SCA 认证咖啡师"],
    )  # fmt: skip
    plan_moment(persona, "今天的手冲：耶加雪菲，柑橘与茉莉花香。", now + timedelta(days=1))
    zhao = Customer.objects.filter(display_name="赵蕾", status=CustomerStatus.ACTIVE).first()
    if zhao is not None:
        group_check_in(zhao.pk, chat, at=now)
    return chat
