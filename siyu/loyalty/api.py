"""The member-centre API (mini-program and H5), under ``/member/``.

Called by the member's own device, so no integration API key: the caller sends the member
reference the mini-program login returned (``X-Member-Ref``; see
``siyu/customers/member_ref.py``) and gets only what belongs to that member. A reference
that does not verify is a 401.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.security import APIKeyHeader

from siyu.access.schemas import DetailOut, responses
from siyu.core.params import ApiId
from siyu.customers.member_ref import HEADER, member_id
from siyu.loyalty import queries
from siyu.loyalty.checkin import check_in
from siyu.loyalty.ledger import InsufficientPoints
from siyu.loyalty.perks import perks_of
from siyu.loyalty.redeem import RedeemRefused, redeem_item


class MemberAuth(APIKeyHeader):
    param_name = HEADER

    def authenticate(self, request: HttpRequest, key: str | None) -> int | None:
        claimed = member_id(key)
        return None if claimed is None else queries.survivor_id(claimed)


router = Router(tags=["member centre"], auth=MemberAuth())


def _member(request: HttpRequest) -> int:
    return int(request.auth)  # type: ignore[attr-defined]


class MemberTierOut(Schema):
    name: str
    rank: int


class MemberProfileOut(Schema):
    display_name: str
    tier: MemberTierOut | None
    plans: list[str]
    discount_percent: int = Field(..., description="Price paid, in percent (95 = 95折).")
    free_shipping: bool
    priority_purchase: bool
    exclusive_service: bool
    points_multiplier: int = Field(..., description="Percent: 150 earns 1.5× points.")


@router.get("/member/profile", response=responses({200: MemberProfileOut}))
def member_profile(request: HttpRequest) -> dict[str, Any]:
    from siyu.customers.models import Customer

    customer_id = _member(request)
    perks = perks_of(customer_id, timezone.now())
    name = Customer.objects.filter(pk=customer_id).values_list("display_name", flat=True).first()
    tier = {"name": perks.tier.name, "rank": perks.tier.rank} if perks.tier else None
    return {
        "display_name": name or "", "tier": tier, "plans": list(perks.plans),
        "discount_percent": perks.discount_percent, "free_shipping": perks.free_shipping,
        "priority_purchase": perks.priority_purchase, "exclusive_service": perks.exclusive_service,
        "points_multiplier": perks.points_multiplier,
    }  # fmt: skip


class MemberExpiringOut(Schema):
    day: str = Field(..., description="The date (UTC) the points expire.")
    points: int


class MemberPointsOut(Schema):
    balance: int
    pending: int = Field(..., description="Earned, usable after the refund window.")
    expiring: list[MemberExpiringOut]


@router.get("/member/points", response=responses({200: MemberPointsOut}))
def member_points(request: HttpRequest) -> queries.PointsSummary:
    return queries.points_summary(_member(request), timezone.now())


class MemberEntryOut(Schema):
    id: int
    kind: str
    points: int
    reason: str
    created_at: datetime


class MemberLedgerPageIn(Schema):
    before: ApiId | None = Field(None, description="Id of the last entry seen.")
    limit: int = Field(queries.LEDGER_PAGE, ge=1, le=200)


@router.get("/member/ledger", response=responses({200: list[MemberEntryOut]}))
def member_ledger(request: HttpRequest, page: Query[MemberLedgerPageIn]) -> list[Any]:
    return list(queries.ledger_page(_member(request), before=page.before, limit=page.limit))


class MemberCheckInOut(Schema):
    day: str
    streak: int
    points: int
    already: bool = Field(..., description="True when the member had checked in today.")


@router.post("/member/checkin", response=responses({200: MemberCheckInOut}, body=True))
def member_checkin(request: HttpRequest) -> Any:
    return check_in(_member(request))


class MemberItemOut(Schema):
    id: int
    name: str
    kind: str
    points_cost: int
    stock: int
    per_customer_limit: int


@router.get("/member/mall", response=responses({200: list[MemberItemOut]}))
def member_mall(request: HttpRequest) -> list[Any]:
    return list(queries.mall_items()[:100])


class MemberRedeemIn(Schema):
    item_id: ApiId
    quantity: int = Field(1, ge=1, le=99)
    key: str = Field(..., min_length=8, max_length=64, description="Client-made; a retry "
                     "with the same key returns the first redemption.")  # fmt: skip


class MemberRedemptionOut(Schema):
    id: int
    item: str
    quantity: int
    points: int
    status: str
    coupon_code: str
    tracking_no: str
    created_at: datetime


def _redemption(row: Any) -> dict[str, Any]:
    return {
        "id": row.pk, "item": row.item.name, "quantity": row.quantity, "points": row.points,
        "status": row.status, "coupon_code": row.coupon_code, "tracking_no": row.tracking_no,
        "created_at": row.created_at,
    }  # fmt: skip


@router.post(
    "/member/redeem", response=responses({200: MemberRedemptionOut, 409: DetailOut}, body=True)
)
def member_redeem(request: HttpRequest, body: MemberRedeemIn) -> Status[Any]:
    customer_id = _member(request)
    try:
        row = redeem_item(customer_id, body.item_id, key=f"m:{customer_id}:{body.key}",
                          quantity=body.quantity)  # fmt: skip
    except (RedeemRefused, InsufficientPoints) as exc:
        return Status(409, {"detail": str(exc)})
    return Status(200, _redemption(row))


@router.get("/member/redemptions", response=responses({200: list[MemberRedemptionOut]}))
def member_redemptions(request: HttpRequest) -> list[dict[str, Any]]:
    return [_redemption(r) for r in queries.redemptions_of(_member(request))[:100]]


class MemberMembershipOut(Schema):
    plan: str
    starts_at: datetime
    ends_at: datetime
    status: str


@router.get("/member/membership", response=responses({200: list[MemberMembershipOut]}))
def member_membership(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"plan": m.plan.name, "starts_at": m.starts_at, "ends_at": m.ends_at, "status": m.status}
        for m in queries.memberships_of(_member(request))[:50]
    ]
