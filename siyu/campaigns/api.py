"""Member-centre endpoints of campaigns (mini-program / H5): coupons, claim, draw, group buy.

Called by the member's own client, so no integration API key: the member is named by the
signed member reference (member_guard.py). Listings and flash sales are in api_sales.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from siyu.campaigns.api_sales import router as sales_router
from siyu.campaigns.claim import claim_by_code, claim_coupon
from siyu.campaigns.groupbuy import join_group, open_group
from siyu.campaigns.lottery import draw
from siyu.campaigns.member_guard import ERRORS, MemberRef, guarded, member_person
from siyu.campaigns.models import CampaignStatus, Lottery
from siyu.campaigns.queries import claimable, coupons_of
from siyu.campaigns.refusals import Refused
from siyu.core.params import ApiId
from siyu.customers.models import Platform

router = Router(tags=["member centre"])


class IssuedOut(Schema):
    id: int
    coupon: int
    name: str
    kind: str
    status: str
    code: str | None
    expires_at: datetime | None


class OfferOut(Schema):
    id: int
    name: str
    kind: str


class CouponsOut(Schema):
    mine: list[IssuedOut]
    claimable: list[OfferOut]


class CodeIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)


class OrderIn(Schema):
    platform: str = Field(..., max_length=20)
    order_no: str = Field(..., min_length=1, max_length=64)


class DrawOut(Schema):
    seq: int
    prize: str | None
    value_fen: int


class OddsOut(Schema):
    name: str
    odds: list[dict[str, Any]]
    seed_sha256: str
    draws_per_day: int
    draws_total: int


class SeatOut(Schema):
    group: int
    deadline: datetime
    status: str


def _issued(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk,
        "coupon": row.coupon_id,
        "name": row.coupon.name,
        "kind": row.coupon.kind,
        "status": row.status,
        "code": row.code,
        "expires_at": row.expires_at,
    }


@router.get("/member/campaigns/coupons", auth=None, response={200: CouponsOut, **ERRORS})
def my_coupons(request: HttpRequest, member: MemberRef) -> Status[Any]:
    def work() -> dict[str, Any]:
        person = member_person(member)
        offers = [{"id": c.pk, "name": c.name, "kind": c.kind} for c in claimable(timezone.now())]
        return {"mine": [_issued(r) for r in coupons_of(person)], "claimable": offers}

    return guarded(work)


@router.post(
    "/member/campaigns/coupons/{coupon_id}/claim", auth=None, response={200: IssuedOut, **ERRORS}
)
def claim(request: HttpRequest, coupon_id: ApiId, member: MemberRef) -> Status[Any]:
    return guarded(lambda: _issued(claim_coupon(coupon_id, member_person(member), source="member")))


@router.post("/member/campaigns/coupons/claim-code", auth=None, response={200: IssuedOut, **ERRORS})
def claim_code(request: HttpRequest, body: CodeIn, member: MemberRef) -> Status[Any]:
    return guarded(lambda: _issued(claim_by_code(body.code, member_person(member))))


def _published_lottery(lottery_id: ApiId) -> Lottery:
    return Lottery.objects.exclude(status=CampaignStatus.DRAFT).get(pk=lottery_id)


@router.get(
    "/member/campaigns/lotteries/{lottery_id}", auth=None, response={200: OddsOut, **ERRORS}
)
def lottery_odds(request: HttpRequest, lottery_id: ApiId) -> Status[Any]:
    """The odds, prizes and stock, published before the first draw."""

    def work() -> dict[str, Any]:
        lottery = _published_lottery(lottery_id)
        return {
            "name": lottery.name,
            "odds": lottery.published_odds,
            "seed_sha256": lottery.seed_sha256,
            "draws_per_day": lottery.draws_per_day,
            "draws_total": lottery.draws_total,
        }

    return guarded(work)


@router.post(
    "/member/campaigns/lotteries/{lottery_id}/draw", auth=None, response={200: DrawOut, **ERRORS}
)
def lottery_draw(request: HttpRequest, lottery_id: ApiId, member: MemberRef) -> Status[Any]:
    def work() -> dict[str, Any]:
        made = draw(_published_lottery(lottery_id).pk, member_person(member))
        prize = made.prize
        return {
            "seq": made.seq,
            "prize": prize.name if prize else None,
            "value_fen": prize.value_fen if prize else 0,
        }

    return guarded(work)


def _seat(seat: Any) -> dict[str, Any]:
    return {"group": seat.group_id, "deadline": seat.group.deadline, "status": seat.status}


def _check_platform(body: OrderIn) -> None:
    if body.platform not in Platform.values:
        raise Refused("not_yours", _("Unknown platform."))


@router.post("/member/campaigns/deals/{deal_id}/open", auth=None, response={200: SeatOut, **ERRORS})
def group_open(
    request: HttpRequest, deal_id: ApiId, body: OrderIn, member: MemberRef
) -> Status[Any]:
    def work() -> dict[str, Any]:
        _check_platform(body)
        person = member_person(member)
        return _seat(open_group(deal_id, person, platform=body.platform, order_no=body.order_no))

    return guarded(work)


@router.post(
    "/member/campaigns/groups/{group_id}/join", auth=None, response={200: SeatOut, **ERRORS}
)
def group_join(
    request: HttpRequest, group_id: ApiId, body: OrderIn, member: MemberRef
) -> Status[Any]:
    def work() -> dict[str, Any]:
        _check_platform(body)
        person = member_person(member)
        return _seat(join_group(group_id, person, platform=body.platform, order_no=body.order_no))

    return guarded(work)


router.add_router("", sales_router)
