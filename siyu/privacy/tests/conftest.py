"""The demo's 张敏 with her merged Tmall history, plus a row in every other table that
can hold something about a person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from itertools import islice

import pytest
from django.utils import timezone

from siyu.campaigns import models as cm
from siyu.channels.models import Attribution, Channel, Touch, WelcomeSend
from siyu.customers.models import Customer, CustomerStatus, ReviewFlag, ReviewKind
from siyu.demo import catalog
from siyu.demo.brand import Brand
from siyu.demo.channels import build_channels
from siyu.demo.load import load_people
from siyu.demo.personas import PERSONA_COUNT
from siyu.demo.simulate import plan_people
from siyu.integrations.wecom.models import CallbackInbox, OutboundCall
from siyu.loyalty import models as lm
from siyu.messaging import models as mm
from siyu.privacy.models import PrivacyRequest, RaisedBy, RequestKind
from siyu.segments.models import Membership, Segment, Snapshot, SnapshotMember
from siyu.transfers.models import TransferItem, TransferJob

EXTERNAL_ID = "wmP_zhangmin"
CORP = catalog.WECOM_CORP


@dataclass(frozen=True)
class Zhang:
    customer: Customer
    brand: Brand


def add_rows_in_every_app(customer: Customer, brand: Brand) -> None:
    now = timezone.now()
    channel = Channel.objects.order_by("pk").first()
    assert channel is not None
    Attribution.objects.create(customer=customer, channel=channel, touched_at=now)
    Touch.objects.create(
        customer=customer,
        channel=channel,
        occurred_at=now,
        idempotency_key=f"wecom:{CORP}:{EXTERNAL_ID}:add",
    )
    WelcomeSend.objects.create(welcome_code="WC-zhang", customer=customer, event_at=now)
    segment = Segment.objects.create(name="高价值", rule={"all": []})
    Membership.objects.create(segment=segment, customer=customer, joined_at=now)
    snapshot = Snapshot.objects.create(segment=segment, rule={}, taken_at=now)
    SnapshotMember.objects.create(snapshot=snapshot, customer=customer)
    job = TransferJob.objects.create(
        from_staff=brand.chen_jing, to_staff=brand.wang_qiang, created_at=now, updated_at=now
    )
    TransferItem.objects.create(
        job=job, customer=customer, external_userid=EXTERNAL_ID, updated_at=now
    )
    ReviewFlag.objects.create(kind=ReviewKind.MERGE_LIMIT, customer=customer, created_at=now)
    CallbackInbox.objects.create(
        corp_id=CORP,
        idempotency_key="zhang-add",
        ordering_key=f"{CORP}:contact:chen.jing:{EXTERNAL_ID}",
        payload=f"<xml><ExternalUserID><![CDATA[{EXTERNAL_ID}]]></ExternalUserID></xml>",
        received_at=now - timedelta(days=1),
    )
    PrivacyRequest.objects.create(
        customer=customer,
        kind=RequestKind.ACCESS,
        raised_by=RaisedBy.OPERATOR,
        due_at=now + timedelta(days=15),
        created_at=now,
        updated_at=now,
    )
    OutboundCall.objects.create(
        action="mark_tag",
        payload={"external_userid": EXTERNAL_ID, "tag": "VIP"},
        ordering_key="tag",
        idempotency_key="zhang-tag",
        due_at=now,
        created_at=now,
    )


def add_loyalty_rows(customer: Customer) -> None:
    now = timezone.now()
    bucket = lm.PointsBucket.objects.create(
        customer=customer, rule="journey", source="journey", source_id=f"welcome:{EXTERNAL_ID}",
        points=100, remaining=100, status=lm.BucketStatus.ACTIVE, activates_at=now,
        expires_at=now + timedelta(days=365),
    )  # fmt: skip
    lm.LedgerEntry.objects.create(
        customer=customer, kind=lm.EntryKind.EARN, points=100, bucket=bucket,
        key=f"earn:{EXTERNAL_ID}", reason="张敏的欢迎积分",
    )  # fmt: skip
    lm.CheckIn.objects.create(customer=customer, day=now.date(), streak=1)
    tier = lm.Tier.objects.create(name="金卡", rank=1, threshold=1000)
    lm.TierStatus.objects.create(customer=customer, tier=tier, since=now, review_at=now)
    lm.TierChange.objects.create(customer=customer, before=None, after=tier, reason="review")
    plan = lm.PaidPlan.objects.create(name="年卡", sku="PLAN-Y", term_days=365, price_fen=9900)
    lm.PaidMembership.objects.create(
        customer=customer, plan=plan, source_key="order:zhang:plan", starts_at=now,
        ends_at=now + timedelta(days=365), price_fen=9900,
    )  # fmt: skip
    item = lm.MallItem.objects.create(name="马克杯", kind=lm.ItemKind.GOODS, points_cost=50)
    lm.Redemption.objects.create(
        customer=customer, item=item, points=50, key=f"m:{customer.pk}:{EXTERNAL_ID}",
        status=lm.DeliveryStatus.SHIPPED, tracking_no="SF1234567890",
    )  # fmt: skip


def add_campaign_rows(customer: Customer) -> None:
    now = timezone.now()
    coupon = cm.Coupon.objects.create(name="满100减10", kind=cm.CouponKind.FIXED, created_at=now)
    cm.CouponAllowance.objects.create(coupon=coupon, customer=customer, claimed=1)
    cm.CouponPeriodClaim.objects.create(coupon=coupon, customer=customer, period_start=now,
                                        claimed=1)  # fmt: skip
    cm.IssuedCoupon.objects.create(
        coupon=coupon, customer=customer, code="ZM10OFF", status=cm.IssuedStatus.RESERVED,
        issue_key=f"journey:{EXTERNAL_ID}", reserved_platform="tmall",
        reserved_order_no="TM2025111100521", created_at=now,
    )  # fmt: skip
    cm.HoldoutMember.objects.create(coupon=coupon, customer=customer, created_at=now)
    lottery = cm.Lottery.objects.create(name="周年抽奖", created_at=now)
    prize = cm.Prize.objects.create(lottery=lottery, name="咖啡券", weight=1, stock=10)
    cm.DrawAllowance.objects.create(lottery=lottery, customer=customer, drawn=1)
    cm.LotteryDayDraws.objects.create(lottery=lottery, customer=customer, day_start=now, drawn=1)
    cm.Draw.objects.create(
        lottery=lottery, seq=1, customer=customer, roll=42, picked=prize, prize=prize,
        created_at=now,
    )  # fmt: skip
    deal = cm.GroupBuyDeal.objects.create(
        name="三人团", sku="BEAN-1", price_fen=5900, created_at=now
    )
    group = cm.BuyGroup.objects.create(
        deal=deal, size=3, deadline=now + timedelta(days=1), created_at=now
    )
    cm.GroupSeat.objects.create(
        group=group, customer=customer, platform="tmall", order_no="TM2025061800188",
        created_at=now,
    )  # fmt: skip
    sale = cm.FlashSale.objects.create(
        name="秒杀", sku="BEAN-2", price_fen=1900, stock=10, starts_at=now,
        ends_at=now + timedelta(hours=1), created_at=now,
    )  # fmt: skip
    cm.FlashAllowance.objects.create(sale=sale, customer=customer, taken=1)
    cm.FlashOrder.objects.create(
        sale=sale, customer=customer, quantity=1, pay_by=now + timedelta(minutes=15),
        created_at=now,
    )  # fmt: skip


def add_messaging_rows(customer: Customer) -> None:
    now = timezone.now()
    mm.RecipientZone.objects.create(customer=customer, zone="Asia/Shanghai")
    # A reminder written for her alone (its text names her), sent; a mass send still queued.
    own = mm.SendPlan.objects.create(
        source="loyalty", source_id="reminder:zhang", channel=mm.Channel.WEBHOOK,
        content={"text": "张敏，您的年卡7天后到期"}, title="张敏 年卡到期提醒",
        scheduled_at=now, created_at=now, status=mm.PlanStatus.PLANNED,
    )  # fmt: skip
    mass = mm.SendPlan.objects.create(
        source="console", source_id="weekly", channel=mm.Channel.WEBHOOK,
        content={"text": "本周新品"}, scheduled_at=now, created_at=now,
        status=mm.PlanStatus.PLANNED,
    )  # fmt: skip
    for plan, status in ((own, mm.SendStatus.SENT), (mass, mm.SendStatus.QUEUED)):
        mm.Send.objects.create(
            plan=plan, source=plan.source, source_id=plan.source_id, recipient=f"c:{customer.pk}",
            channel=plan.channel, customer=customer, status=status, due_at=now,
            local_day=now.date(), external_id="msg-1", last_error=f"retry for {EXTERNAL_ID}",
            created_at=now,
        )  # fmt: skip


def add_referral_rows(customer: Customer) -> None:
    from siyu.customers.models import Order
    from siyu.referrals import models as rm

    now = timezone.now()
    programme = rm.Programme.objects.create(
        name="邀3人进群", kind=rm.ProgrammeKind.TASK, qualifier=rm.Qualifier.EVENT,
        event_type="wecom_group_joined", gift_stock=1, gift_given=1, created_at=now,
    )  # fmt: skip
    rm.ReferralCode.objects.create(
        programme=programme, customer=customer, code="ZMCODE23", created_at=now
    )
    rm.Reward.objects.create(
        programme=programme, customer=customer, role=rm.RewardRole.INVITER, key="ref:zhang",
        points=100, status=rm.RewardStatus.HELD, release_at=now, created_at=now,
    )  # fmt: skip
    rm.TaskGift.objects.create(programme=programme, customer=customer, created_at=now)
    order = Order.objects.filter(customer=customer).order_by("pk").first()
    assert order is not None
    rm.Commission.objects.create(
        programme=programme, ambassador=customer, order=order, level=1, amount_fen=100,
        status=rm.CommissionStatus.FROZEN, settle_at=now, created_at=now,
    )  # fmt: skip


def add_content_rows(customer: Customer) -> None:
    """A material sent to her, its tracked link, and her read of it."""
    from siyu.content.library import MaterialInput, save_material
    from siyu.content.models import TrackedLink
    from siyu.content.radar import Reader, record_open
    from siyu.content.render import render_material

    article = save_material(
        MaterialInput(title="手冲入门", kind="article", url="https://brand.example.com/a")
    )
    render_material(article.pk, customer.pk, send_ref="privacy:zhang")
    # With the owner's "is reading" notice: its text names her (the deletion blanks it).
    link = TrackedLink.objects.get(customer=customer)
    record_open(link.code, Reader("b:zhang"))


def add_journey_rows(customer: Customer) -> None:
    from siyu.journeys.entries import Entrant, enroll
    from siyu.journeys.tests.factories import chain, make_journey

    journey = make_journey(chain({"type": "wait", "seconds": 86400}))
    enroll(journey, [Entrant(customer.pk)], source="api")


def add_community_rows(customer: Customer, brand: Brand) -> None:
    from siyu.community.checkin import group_check_in
    from siyu.community.models import GroupCode, GroupJoin
    from siyu.groups.members import SeenMember, record_member_change, record_members
    from siyu.groups.models import GroupChat

    now = timezone.now()
    userid = f"wmzhang{customer.pk}"
    record_members("wrZhang", [SeenMember(userid, 2, 3, now, "gc-zhang", customer.pk)])
    record_member_change("wrZhang", userid, kind="join", occurred_at=now,
                         idempotency_key="zhang-join", customer_id=customer.pk)  # fmt: skip
    code = GroupCode.objects.create(name="z", state="gc-zhang", created_at=now)
    chat = GroupChat.objects.get(chat_id="wrZhang")
    GroupJoin.objects.create(code=code, chat=chat, userid=userid, customer=customer, joined_at=now)
    group_check_in(customer.pk, chat, at=now)


def add_workbench_rows(customer: Customer, brand: Brand) -> None:
    from siyu.workbench import models as wm

    now = timezone.now()
    task = wm.Task.objects.create(
        customer=customer, staff=brand.chen_jing, kind=wm.TaskKind.CALL, title="张敏 回访",
        due_at=now, source="test", source_key="zhang",
    )  # fmt: skip
    wm.FollowNote.objects.create(customer=customer, staff=brand.chen_jing, task=task,
                                 text="喜欢浅烘")  # fmt: skip
    wm.LossAlert.objects.create(customer=customer, staff=brand.chen_jing, event_id=1,
                                kind=wm.LossKind.CUSTOMER_LEFT, occurred_at=now)  # fmt: skip


@pytest.fixture
def zhang(brand: Brand) -> Zhang:
    build_channels(catalog.DEFAULT_NOW)
    load_people(brand, islice(plan_people(), PERSONA_COUNT))
    customer = Customer.objects.get(display_name="张敏", status=CustomerStatus.ACTIVE)
    add_rows_in_every_app(customer, brand)
    add_loyalty_rows(customer)
    add_campaign_rows(customer)
    add_messaging_rows(customer)
    add_referral_rows(customer)
    add_content_rows(customer)
    add_community_rows(customer, brand)
    add_journey_rows(customer)
    add_workbench_rows(customer, brand)
    return Zhang(customer, brand)
