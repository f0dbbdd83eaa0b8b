"""The named customers of demo-story.md, scripted exactly (tests rely on their stories).

They take the first indexes of every generated brand, whatever its size or seed.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from siyu.demo import catalog as c
from siyu.demo.brand import JINGAN
from siyu.demo.orders import basket
from siyu.demo.plan import (
    ConsentPlan,
    EventPlan,
    FollowPlan,
    IdentityPlan,
    OrderPlan,
    PersonPlan,
    ProfilePlan,
    Touch,
)

# The Jing'an store's own mobile, typed in by the till for walk-ins who gave no number.
SHARED_STORE_PHONE = "13916880021"
WALK_INS = ("孙丽", "周杰", "吴芳", "郑浩")
ZHANG_MIN_TAOBAO = IdentityPlan("taobao_buyer_id", "tb_zhangmin_1988")
PERSONA_COUNT = 3 + len(WALK_INS)


def at(day: str, hm: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{hm}").replace(tzinfo=c.SHANGHAI)


def wecom_ids(slug: str) -> tuple[IdentityPlan, IdentityPlan]:
    return (
        IdentityPlan("wecom_external_userid", f"wmP_{slug}", c.WECOM_CORP),
        IdentityPlan("wechat_unionid", f"oUnP_{slug}"),
    )


def mp_ids(slug: str) -> tuple[IdentityPlan, IdentityPlan]:
    return (
        IdentityPlan("miniprogram_openid", f"oMPP_{slug}", c.MINIPROGRAM_APPID),
        IdentityPlan("wechat_unionid", f"oUnP_{slug}"),
    )


def event(key: str, type_: str, when: datetime, **properties: object) -> EventPlan:
    return EventPlan(type_, when, f"demo/persona/{key}/{type_}/{when:%Y%m%d%H%M}", properties)


def order(
    rng: random.Random, platform: str, no: str, when: datetime, target: int, store: str = ""
) -> OrderPlan:
    return OrderPlan(platform, no, store, when, basket(rng, target, in_store=platform == "pos"))


def arrival(key: str, slug: str, channel: str, when: datetime) -> list[Touch]:
    name = c.CHANNEL_BY_CODE[channel].name
    added = event(key, "wecom_contact_added", when, channel=channel, channel_name=name)
    welcomed = when + timedelta(seconds=6)
    return [
        Touch(when, "wecom", wecom_ids(slug), event=added),
        Touch(
            welcomed, "wecom", wecom_ids(slug), event=event(key, "welcome_message_sent", welcomed)
        ),
    ]


def person(
    index: int, key: str, channel: str, arrived: datetime, profile: ProfilePlan,
    touches: list[Touch], owner: str = "chen.jing", tags: tuple[tuple[str, str], ...] = (),
) -> PersonPlan:  # fmt: skip
    return PersonPlan(
        index=index,
        key=key,
        channel=channel,
        store=JINGAN,
        arrived_at=arrived,
        profile=profile,
        touches=tuple(sorted(touches, key=lambda t: t.at)),
        consents=(
            ConsentPlan("marketing", True, arrived, "miniprogram"),
            ConsentPlan("analysis", True, arrived, "miniprogram"),
        ),
        follows=(FollowPlan(owner, arrived, primary=True),),
        tags=((c.CHANNEL_TAG_GROUP, c.CHANNEL_BY_CODE[channel].name), *tags),
    )


def profile(
    name: str,
    phone: str,
    gender: str,
    stage: str,
    power: str,
    *,
    birthday: date | None = None,
    occupation: str = "",
    interests: tuple[str, ...] = (),
) -> ProfilePlan:
    return ProfilePlan(
        display_name=name,
        real_name=name,
        phone=phone,
        gender=gender,
        birthday=birthday,
        region=c.STORE_DISTRICTS[JINGAN],
        occupation=occupation,
        interests=interests,
        spending_power=power,
        lifecycle_stage=stage,
    )


def zhang_min(rng: random.Random, phone: str) -> PersonPlan:
    """Two Tmall orders in 2025, scanned the parcel-card code in March 2026, registered in
    the mini-program with the same phone (which merges the two profiles), frequent since."""
    phone_id = IdentityPlan("phone", phone)
    touches = [
        Touch(w, "taobao", (ZHANG_MIN_TAOBAO, phone_id), order=order(rng, "taobao", no, w, 15000))
        for no, w in (("TM2025061800188", at("2025-06-18", "14:20")),
                      ("TM2025111100521", at("2025-11-11", "00:30")))
    ]  # fmt: skip
    scanned = at("2026-03-14", "19:05")
    touches += arrival("zhang_min", "zhangmin", "parcel_card", scanned)
    registered = scanned + timedelta(minutes=25)
    touches.append(
        Touch(registered, "miniprogram", (*mp_ids("zhangmin"), phone_id),
              event=event("zhang_min", "member_registered", registered))
    )  # fmt: skip
    for k, day in enumerate(("03-20", "04-12", "05-06", "05-30", "06-18", "07-15", "08-09",
                             "09-03", "09-28", "10-22", "11-11")):  # fmt: skip
        w = at(f"2026-{day}", "20:15")
        o = order(rng, "miniprogram", f"MP2026ZM{k:03d}", w, 16000)
        touches.append(Touch(w, "miniprogram", mp_ids("zhangmin"), order=o))
    prof = profile("张敏", phone, "female", "active", "high", birthday=date(1991, 5, 9),
                   occupation="设计师", interests=("手冲", "猫"))  # fmt: skip
    return person(0, "zhang_min", "parcel_card", scanned, prof, touches,
                  tags=((c.TASTE_TAG_GROUP, "浅烘果酸"),))  # fmt: skip


def liu_yang(phone: str) -> PersonPlan:
    """Came from a Douyin video, got the welcome gift, never bought: at risk."""
    arrived = at("2026-08-21", "21:40")
    touches = arrival("liu_yang", "liuyang", "douyin_video", arrived)
    gift_at = arrived + timedelta(minutes=3)
    gift = event("liu_yang", "coupon_claimed", gift_at, coupon="新客礼", value_fen=1000)
    touches.append(
        Touch(
            gift_at, "miniprogram", (*mp_ids("liuyang"), IdentityPlan("phone", phone)), event=gift
        )
    )
    for k, page in enumerate(("咖啡豆", "优惠券")):
        w = arrived + timedelta(days=2 + 5 * k)
        touches.append(
            Touch(
                w,
                "miniprogram",
                mp_ids("liuyang"),
                event=event("liu_yang", "page_view", w, page=page),
            )
        )
    prof = profile("刘洋", phone, "male", "at_risk", "unknown", occupation="程序员")
    return person(1, "liu_yang", "douyin_video", arrived, prof, touches)


def zhao_lei(rng: random.Random, phone: str) -> PersonPlan:
    """A KOC: high spend, refers friends, in the Jing'an neighbourhood group."""
    arrived = at("2025-12-06", "15:00")
    touches = arrival("zhao_lei", "zhaolei", "event", arrived)
    ids = (*mp_ids("zhaolei"), IdentityPlan("phone", phone))
    joined = arrived + timedelta(days=1)
    touches.append(Touch(joined, "wecom", wecom_ids("zhaolei"),
                         event=event("zhao_lei", "group_joined", joined, group="静安邻里群")))  # fmt: skip
    w = arrived
    for k in range(24):
        w = (w + timedelta(days=rng.randint(9, 15))).replace(hour=12, minute=rng.randint(0, 59))
        if w >= c.DEFAULT_NOW:
            break
        o = order(rng, "miniprogram", f"MP2026ZL{k:03d}", w, 42000)
        touches.append(Touch(w, "miniprogram", ids, order=o))
        if k % 4 == 1:
            touches.append(Touch(w, "wecom", wecom_ids("zhaolei"),
                                 event=event("zhao_lei", "referral_shared", w, friends=2)))  # fmt: skip
    prof = profile("赵蕾", phone, "female", "active", "premium", birthday=date(1988, 10, 2),
                   occupation="生活方式博主", interests=("拿铁艺术", "摄影", "烘焙"))  # fmt: skip
    tags = ((c.VALUE_TAG_GROUP, "KOC"), (c.VALUE_TAG_GROUP, "高价值"))
    return person(2, "zhao_lei", "event", arrived, prof, touches, tags=tags)


def walk_in(rng: random.Random, k: int, name: str) -> PersonPlan:
    """Different walk-ins, each with their own member number but the store's phone: the
    phone must be flagged as shared and never join them."""
    index = 3 + k
    arrived = at("2026-10-0" + str(k + 1), "09:30")
    member = IdentityPlan("store_member_no", f"JA-WALKIN-{k + 1:03d}")
    signup = Touch(arrived, "pos", (member, IdentityPlan("phone", SHARED_STORE_PHONE)))
    o = order(rng, "pos", f"POSJA2026{k:04d}", arrived + timedelta(minutes=2), 3000, JINGAN)
    buy = Touch(o.paid_at, "pos", (member,), order=o)
    prof = profile(name, "", "unknown", "new", "low")
    return person(
        index, f"walk_in_{k + 1}", "store_poster", arrived, prof, [signup, buy], owner="sales01"
    )


def personas(seed: int, phones: list[str]) -> list[PersonPlan]:
    rng = random.Random(f"siyu-demo/{seed}/personas")
    people = [zhang_min(rng, phones[0]), liu_yang(phones[1]), zhao_lei(rng, phones[2])]
    people += [walk_in(rng, k, name) for k, name in enumerate(WALK_INS)]
    return people
