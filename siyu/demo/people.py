"""Ordinary customers of the demo brand, one ``PersonPlan`` per person.

Each person draws from their own ``random.Random`` seeded by (seed, index), so a person is
the same whatever the brand's size and people can be generated in any order or in chunks
(the bulk loader streams a million of them).
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from itertools import accumulate

from siyu.customers.identity_rules import is_junk
from siyu.demo import catalog as c
from siyu.demo.orders import (
    draw_buyer,
    lifecycle_stage,
    make_order,
    purchase_times,
    shop_hours,
    spending_power,
)
from siyu.demo.plan import (
    ConsentPlan,
    EventPlan,
    FollowPlan,
    IdentityPlan,
    PersonPlan,
    ProfilePlan,
    Touch,
)

PERSONA_NAMES = frozenset({"张敏", "刘洋", "赵蕾"})
# What ``choices(weights=...)`` accumulates on every call (the same floats, so the same
# draws), once.
CHANNEL_CUM_WEIGHTS = list(accumulate(ch.weight for ch in c.CHANNELS))


def person_rng(seed: int, index: int) -> random.Random:
    # A string seed is hashed with SHA-512 by random.seed: stable across runs and platforms.
    return random.Random(f"siyu-demo/{seed}/{index}")


def phone_for(seed: int, index: int) -> str:
    """A unique mobile number per (seed, index): 7919 is coprime with 10⁹, so the nine
    digits are a permutation of the index."""
    second = "3456789"[index % 7]
    for bump in range(10):
        digits = (index * 7919 + seed * 104_729 + bump * 999_999_937) % 1_000_000_000
        phone = f"1{second}{digits:09d}"
        if not is_junk("phone", phone):
            return phone
    raise AssertionError("unreachable: ten junk phones in a row")


def chinese_name(rng: random.Random) -> str:
    name = rng.choice(c.SURNAMES) + "".join(rng.choices(c.GIVEN, k=rng.choice((1, 2, 2))))
    # The personas' names belong to them alone, so tests can find them by name.
    return name + "儿" if name in PERSONA_NAMES else name


def pick_store(rng: random.Random) -> str:
    if rng.random() < c.JINGAN_SHARE:
        return c.STORES[0]
    return rng.choice(c.STORES[1:])


def pick_owner(rng: random.Random, store: str) -> str:
    sales, _manager = c.store_staff(store)
    if len(sales) > 1:
        return sales[0] if rng.random() < c.CHEN_JING_SHARE else sales[1]
    return sales[0]


def make_person(seed: int, index: int, now: datetime) -> PersonPlan:
    rng = person_rng(seed, index)
    channel = rng.choices(c.CHANNELS, cum_weights=CHANNEL_CUM_WEIGHTS)[0]
    store = pick_store(rng)
    # Arrivals grow over the year (the account is gaining traction): more mass near now.
    days_ago = 365 * rng.random() ** 1.4
    arrived = shop_hours(rng, now - timedelta(days=days_ago))
    if arrived >= now:
        arrived = now - timedelta(minutes=rng.randint(5, 600))
    key = f"c{index:07d}"
    ids = PersonIds(seed, index, key, rng)
    touches = arrival_touches(rng, ids, channel, arrived, index, seed)
    touches += order_touches(rng, ids, channel, store, arrived, now, index, seed)
    touches += browsing_touches(rng, ids, arrived, now, index, seed)
    touches.sort(key=lambda t: t.at)
    buyer_orders = [t for t in touches if t.order is not None]
    order_times = [t.at for t in buyer_orders]
    name = chinese_name(rng)
    owner = pick_owner(rng, store)
    follows = [FollowPlan(owner, arrived, primary=True)]
    if rng.random() < 0.15:
        follows.append(FollowPlan(c.store_staff(store)[1], arrived + timedelta(days=1), False))
    basket_fen = sum(t.order.paid_fen for t in buyer_orders if t.order) / max(1, len(buyer_orders))
    profile = ProfilePlan(
        display_name=name if rng.random() < 0.8 else rng.choice(c.NICKNAMES) + name[-1],
        real_name=name if rng.random() < 0.6 else "",
        phone=ids.phone,
        gender=rng.choice(("female", "female", "male", "unknown")),
        birthday=birthday(rng),
        region=c.STORE_DISTRICTS[store],
        occupation=rng.choice(c.OCCUPATIONS),
        interests=tuple(sorted(set(rng.sample(c.INTERESTS, rng.randint(0, 3))))),
        spending_power=spending_power(basket_fen, len(buyer_orders)),
        lifecycle_stage=lifecycle_stage(arrived, order_times, now),
    )
    tags = [(c.CHANNEL_TAG_GROUP, channel.name)]
    if rng.random() < 0.4:
        tags.append((c.TASTE_TAG_GROUP, rng.choice(c.TASTES)))
    if profile.spending_power in ("high", "premium"):
        tags.append((c.VALUE_TAG_GROUP, "高价值"))
    return PersonPlan(
        index=index,
        key=key,
        channel=channel.code,
        store=store,
        arrived_at=arrived,
        profile=profile,
        touches=tuple(touches),
        consents=consents(rng, arrived, now),
        follows=tuple(follows),
        tags=tuple(tags),
    )


class PersonIds:
    """The identifiers one person holds on each platform."""

    def __init__(self, seed: int, index: int, key: str, rng: random.Random) -> None:
        token = f"{seed:x}{index:07d}{rng.getrandbits(40):010x}"
        self.phone = phone_for(seed, index)
        self.unionid = IdentityPlan("wechat_unionid", f"oUn{token}")
        self.wecom = IdentityPlan("wecom_external_userid", f"wmC{token}", c.WECOM_CORP)
        self.oa_openid = IdentityPlan("wechat_openid", f"oOA{token}", c.OFFICIAL_ACCOUNT_APPID)
        self.mp_openid = IdentityPlan("miniprogram_openid", f"oMP{token}", c.MINIPROGRAM_APPID)
        self.phone_id = IdentityPlan("phone", self.phone)
        self.taobao = IdentityPlan("taobao_buyer_id", f"tb_{token[-12:]}")
        self.jd = IdentityPlan("jd_pin", f"jd_{token[-12:]}")
        self.member_no = IdentityPlan("store_member_no", f"M{seed:x}{index:08d}")


def arrival_touches(
    rng: random.Random, ids: PersonIds, channel: c.Channel, arrived: datetime, index: int, seed: int
) -> list[Touch]:
    """Added on WeCom through the channel's code, welcomed, often registered in the
    mini-program (which is where the phone, and so any older profile, joins in)."""
    key = f"demo/{seed}/{index}"
    wecom = (ids.wecom, ids.unionid)
    added = EventPlan(
        "wecom_contact_added",
        arrived,
        f"{key}/added",
        {"channel": channel.code, "channel_name": channel.name},
    )
    welcome_at = arrived + timedelta(seconds=rng.randint(2, 20))
    welcome = EventPlan("welcome_message_sent", welcome_at, f"{key}/welcome", {})
    touches = [
        Touch(arrived, "wecom", wecom, event=added),
        Touch(welcome_at, "wecom", wecom, event=welcome),
    ]
    if rng.random() < 0.6:
        at = welcome_at + timedelta(minutes=rng.randint(1, 90))
        gift = EventPlan(
            "coupon_claimed", at, f"{key}/gift", {"coupon": "新客礼", "value_fen": 1000}
        )
        touches.append(Touch(at, "miniprogram", (ids.mp_openid, ids.unionid), event=gift))
    if rng.random() < 0.7 or channel.code == "parcel_card":
        at = welcome_at + timedelta(minutes=rng.randint(30, 3000))
        register = EventPlan("member_registered", at, f"{key}/register", {})
        ident = (ids.mp_openid, ids.unionid, ids.phone_id)
        touches.append(Touch(at, "miniprogram", ident, event=register))
    if rng.random() < 0.35:
        at = arrived + timedelta(hours=rng.randint(1, 240))
        follow = EventPlan("official_account_followed", at, f"{key}/oa", {})
        touches.append(Touch(at, "official_account", (ids.oa_openid, ids.unionid), event=follow))
    return touches


def order_touches(
    rng: random.Random,
    ids: PersonIds,
    channel: c.Channel,
    store: str,
    arrived: datetime,
    now: datetime,
    index: int,
    seed: int,
) -> list[Touch]:
    buyer = draw_buyer(rng)
    touches: list[Touch] = []
    prefix = f"SC{seed % 1000:03d}{index:07d}"
    if channel.code == "parcel_card":
        # Old e-commerce buyers: one to three orders on Tmall or JD before the parcel card
        # brought them to WeCom (many of them in 2025).
        on_jd = rng.random() < 0.3
        platform, shop_id = ("jd", ids.jd) if on_jd else ("taobao", ids.taobao)
        first = arrived - timedelta(days=rng.randint(20, 400))
        for k, at in enumerate(purchase_times(rng, buyer, first, arrived)[:3] or [first]):
            order = make_order(
                rng, platform=platform, order_no=f"{prefix}{k:03d}", store="",
                paid_at=at, target_fen=buyer.basket_fen, now=now,
            )  # fmt: skip
            touches.append(Touch(at, platform, (shop_id, ids.phone_id), order=order))
    if rng.random() >= channel.conversion:
        return touches
    in_store = channel.code in ("store_poster", "event")
    for k, at in enumerate(purchase_times(rng, buyer, arrived, now), start=100):
        pos = in_store and rng.random() < 0.6
        order = make_order(
            rng, platform="pos" if pos else "miniprogram", order_no=f"{prefix}{k:03d}",
            store=store if pos else "", paid_at=at, target_fen=buyer.basket_fen, now=now,
        )  # fmt: skip
        # At the till the customer shows the mini-program member code, which carries their
        # WeChat identity: POS orders land on the same profile as everything else.
        ident = (ids.member_no, ids.mp_openid, ids.unionid) if pos else (ids.mp_openid, ids.unionid)
        touches.append(Touch(at, "pos" if pos else "miniprogram", ident, order=order))
    return touches


def browsing_touches(
    rng: random.Random, ids: PersonIds, arrived: datetime, now: datetime, index: int, seed: int
) -> list[Touch]:
    span = (now - arrived).total_seconds()
    touches = []
    for k in range(min(8, int(rng.expovariate(1 / 2.5)))):
        at = arrived + timedelta(seconds=rng.uniform(0, span))
        page = rng.choice(c.PAGES)
        event = EventPlan("page_view", at, f"demo/{seed}/{index}/pv{k}", {"page": page})
        touches.append(Touch(at, "miniprogram", (ids.mp_openid, ids.unionid), event=event))
    return touches


def consents(rng: random.Random, arrived: datetime, now: datetime) -> tuple[ConsentPlan, ...]:
    plans = [
        ConsentPlan("marketing", rng.random() < 0.85, arrived, "miniprogram"),
        ConsentPlan("analysis", rng.random() < 0.95, arrived, "miniprogram"),
    ]
    if rng.random() < 0.2:
        plans.append(ConsentPlan("ugc_reuse", True, arrived, "miniprogram"))
    if plans[0].granted and rng.random() < 0.04:
        withdrawn = arrived + (now - arrived) * rng.random()
        plans.append(ConsentPlan("marketing", False, withdrawn, "wecom"))
    return tuple(plans)


def birthday(rng: random.Random) -> date | None:
    if rng.random() < 0.4:
        return None
    return date(rng.randint(1970, 2005), rng.randint(1, 12), rng.randint(1, 28))
