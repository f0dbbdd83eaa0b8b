"""The demo's fission: a 任务宝 campaign (invite three friends into the store group for a
gift box) that 赵蕾 completed, and a 淘小铺-style ambassador tree with 赵蕾 as mentor,
two ambassadors under her and their friends' orders earning commission. Everything goes
through the referral verbs and the change feed, like real traffic; 赵蕾 tops the KOC list."""

from __future__ import annotations

from datetime import datetime, timedelta

from siyu.customers.changes import latest_position, read_visible_changes
from siyu.customers.events import record_event
from siyu.customers.models import Customer, CustomerStatus
from siyu.customers.orders import OrderInput, import_order
from siyu.referrals.ambassador import create_ambassador_programme, settle_due
from siyu.referrals.codes import code_for, state_of
from siyu.referrals.feed import handle_changes
from siyu.referrals.models import Programme, ProgrammeKind, Qualifier
from siyu.referrals.rewards import release_due

JOIN = "wecom_group_joined"


def _add(customer: Customer, state: str, at: datetime, key: str) -> None:
    record_event(customer, type="wecom_contact_added", occurred_at=at,
                 properties={"state": state}, source="demo", idempotency_key=f"demo:ref:{key}")  # fmt: skip


def _task(now: datetime, zhao: Customer, friends: list[Customer]) -> None:
    programme = Programme.objects.create(
        name="进群有礼", kind=ProgrammeKind.TASK,
        qualifier=Qualifier.EVENT, event_type=JOIN, task_target=3,
        gift_name="挂耳咖啡礼盒", gift_stock=200, invitee_points=50, hold_days=7,
        created_at=now - timedelta(days=30),
    )  # fmt: skip
    state = state_of(code_for(programme, customer_id=zhao.pk))
    for i, friend in enumerate(friends):
        at = now - timedelta(days=25 - i)
        _add(friend, state, at, f"task:{friend.pk}")
        record_event(friend, type=JOIN, occurred_at=at + timedelta(minutes=5),
                     properties={"chat_id": "wr-jingan"}, source="demo",
                     idempotency_key=f"demo:ref:join:{friend.pk}")  # fmt: skip


def _ambassadors(now: datetime, zhao: Customer, people: list[Customer]) -> None:
    programme = create_ambassador_programme(
        name="山茶咖啡推广大使", commission_bp=[1000, 300], freeze_days=15,
        event_type="ambassador_joined", hold_days=0, created_at=now - timedelta(days=40),
    )  # fmt: skip
    ambassadors, buyers = people[:2], people[2:]
    mentor_state = state_of(code_for(programme, customer_id=zhao.pk))
    for i, ambassador in enumerate(ambassadors):
        _add(ambassador, mentor_state, now - timedelta(days=35 - i), f"amb:{ambassador.pk}")
    for i, buyer in enumerate(buyers):
        upline = ambassadors[i % len(ambassadors)]
        state = state_of(code_for(programme, customer_id=upline.pk))
        _add(buyer, state, now - timedelta(days=30 - i), f"amb-buyer:{buyer.pk}")
        paid = 12800 + 3000 * i
        import_order(buyer, OrderInput(
            platform="miniprogram", order_no=f"DEMO-AMB-{buyer.pk}",
            paid_at=now - timedelta(days=20 - i), total_fen=paid, paid_fen=paid,
        ))  # fmt: skip


def build_referrals(now: datetime) -> None:
    zhao = Customer.objects.filter(display_name="赵蕾", status=CustomerStatus.ACTIVE).first()
    if zhao is None:
        return
    # The ten newest others, oldest first (not every customer: a brand may hold a million).
    newest = Customer.objects.filter(status=CustomerStatus.ACTIVE).exclude(pk=zhao.pk)
    others = list(reversed(newest.order_by("-pk")[:10]))
    if len(others) < 10:
        return
    start = latest_position()
    _task(now, zhao, others[-4:])
    _ambassadors(now, zhao, others[-10:-4])
    position = start
    while True:
        changes, _horizon = read_visible_changes(position, limit=500)
        if not changes:
            break
        handle_changes(changes)
        position = changes[-1].position
    release_due(now)
    settle_due(now)
