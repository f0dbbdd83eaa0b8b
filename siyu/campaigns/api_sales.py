"""Member-centre listings of campaigns (running lotteries, group buys and their progress,
flash sales) and the flash-sale reservation, with the per-person cap enforced by the verb
(flash.py). Same member reference and refusals as api.py (member_guard.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from siyu.campaigns.flash import buy_flash
from siyu.campaigns.listings import deals_for, flash_sales_for, group_progress, lotteries_for
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
