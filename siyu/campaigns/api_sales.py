"""Member-centre listings of campaigns (running lotteries, group buys and their progress,
flash sales) and the flash-sale reservation, with the per-person cap enforced by the verb
(flash.py). Same member reference and refusals as api.py (member_guard.py).

Also the lottery's audit, open to anyone once the lottery has ended: the seed (whose
SHA-256 was published with the odds before the first draw) and the draw log without the
people, so anyone can check the seed against the hash and replay every draw
(``lottery.replay_draws``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from siyu.campaigns.flash import buy_flash
from siyu.campaigns.listings import (
    deals_for,
    ended_lottery,
    flash_sales_for,
    group_progress,
    lotteries_for,
)
from siyu.campaigns.member_guard import ERRORS, MemberRef, guarded, member_person
from siyu.core.params import ApiId

router = Router(tags=["member centre"])
MAX_QUANTITY = 99  # a flash sale's cap is a few units; anything above is a bad request


class LotteryOut(Schema):
    id: int
    name: str
    ends_at: datetime | None
    draws_total: int
    drawn: int


class GroupOut(Schema):
    id: int
    deal_id: int
    deal: str
    size: int
    seats_paid: int
    status: str
    deadline: datetime
    seat_status: str


class DealOut(Schema):
    id: int
    name: str
    price_fen: int
    group_size: int
    open_groups: list[GroupOut]


class DealsOut(Schema):
    deals: list[DealOut]
    mine: list[GroupOut]


class FlashOut(Schema):
    id: int
    name: str
    price_fen: int
    left: int
    per_person_limit: int
    taken: int
    starts_at: datetime
    ends_at: datetime
    pay_minutes: int


class ReserveIn(Schema):
    quantity: int = Field(1, ge=1, le=MAX_QUANTITY)


class ReservedOut(Schema):
    order: int
    quantity: int
    status: str
    pay_by: datetime


@router.get("/member/campaigns/lotteries", auth=None, response={200: list[LotteryOut], **ERRORS})
def lotteries(request: HttpRequest, member: MemberRef) -> Status[Any]:
    return guarded(lambda: lotteries_for(member_person(member), timezone.now()))


@router.get("/member/campaigns/deals", auth=None, response={200: DealsOut, **ERRORS})
def deals(request: HttpRequest, member: MemberRef) -> Status[Any]:
    def work() -> dict[str, Any]:
        rows, mine = deals_for(member_person(member), timezone.now())
        return {"deals": rows, "mine": mine}

    return guarded(work)


@router.get("/member/campaigns/groups/{group_id}", auth=None, response={200: GroupOut, **ERRORS})
def group(request: HttpRequest, group_id: ApiId, member: MemberRef) -> Status[Any]:
    def work() -> Any:
        member_person(member)
        return group_progress(group_id)

    return guarded(work)


@router.get("/member/campaigns/flash", auth=None, response={200: list[FlashOut], **ERRORS})
def flash_sales(request: HttpRequest, member: MemberRef) -> Status[Any]:
    return guarded(lambda: flash_sales_for(member_person(member), timezone.now()))


@router.post(
    "/member/campaigns/flash/{sale_id}/reserve", auth=None, response={200: ReservedOut, **ERRORS}
)
def flash_reserve(
    request: HttpRequest, sale_id: ApiId, body: ReserveIn, member: MemberRef
) -> Status[Any]:
    """Reserve units at the flash price; the order lapses unpaid after ``pay_minutes``."""

    def work() -> dict[str, Any]:
        order = buy_flash(sale_id, member_person(member), body.quantity)
        return {
            "order": order.pk,
            "quantity": order.quantity,
            "status": order.status,
            "pay_by": order.pay_by,
        }

    return guarded(work)


class AuditPageIn(Schema):
    after: int = Field(0, ge=0, le=2**31, description="Draws after this sequence number.")
    limit: int = Field(500, ge=1, le=1000)


class DrawLogOut(Schema):
    seq: int
    roll: int
    picked: int | None
    prize: int | None


class AuditOut(Schema):
    name: str
    seed: str
    seed_sha256: str
    odds: list[dict[str, Any]]
    draws_made: int
    draws: list[DrawLogOut]


@router.get(
    "/member/campaigns/lotteries/{lottery_id}/audit",
    auth=None,
    response={200: AuditOut, **ERRORS},
)
def lottery_audit(request: HttpRequest, lottery_id: ApiId, page: Query[AuditPageIn]) -> Status[Any]:
    """After the end: the seed and the draw log (no people), a page at a time."""

    def work() -> dict[str, Any]:
        lottery = ended_lottery(lottery_id, timezone.now())
        rows = lottery.draws.filter(seq__gt=page.after).order_by("seq")[: page.limit]
        draws = rows.values("seq", "roll", "picked", "prize")
        return {
            "name": lottery.name,
            "seed": lottery.seed,
            "seed_sha256": lottery.seed_sha256,
            "odds": lottery.published_odds,
            "draws_made": lottery.draws_made,
            "draws": list(draws),
        }

    return guarded(work)
