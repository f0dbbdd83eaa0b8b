"""The member centre's referral API (mini-program and H5), under ``/member/referrals``:
my invite codes and links, 任务宝 progress and gift, my poster, my rewards, and claiming an
invite link. Authenticated by the member reference (``X-Member-Ref``), like loyalty's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema, Status

from siyu.access.schemas import DetailOut, responses
from siyu.campaigns.refusals import Refused
from siyu.core.params import ApiId
from siyu.loyalty.api import MemberAuth
from siyu.referrals import queries
from siyu.referrals.attribute import attribute_invitee
from siyu.referrals.codes import code_for, code_from_text, invite_link, state_of
from siyu.referrals.fission import progress_of, unlock_gift
from siyu.referrals.models import Via
from siyu.referrals.poster import render_poster

router = Router(tags=["member centre"], auth=MemberAuth())


def _member(request: HttpRequest) -> int:
    return int(request.auth)  # type: ignore[attr-defined]


class ProgressOut(Schema):
    target: int
    qualified: int
    waiting: int
    unlocked: bool
    gifts_left: int
    gift_status: str | None = Field(
        ..., description="awaiting (staff hand it over), issued, handed_over; null: locked."
    )


class MemberProgrammeOut(Schema):
    id: int
    name: str
    kind: str
    code: str
    state: str = Field(..., description="For a WeCom contact way or a mini-program scene.")
    link: str
    inviter_points: int
    invitee_points: int
    progress: ProgressOut | None


@router.get("/member/referrals", response=responses({200: list[MemberProgrammeOut]}))
def member_referrals(request: HttpRequest) -> list[dict[str, Any]]:
    me, base = _member(request), request.build_absolute_uri("/")
    out = []
    for programme in queries.active_programmes():
        code = code_for(programme, customer_id=me)
        progress = progress_of(programme, me) if programme.kind == "task" else None
        out.append({
            "id": programme.pk, "name": programme.name, "kind": programme.kind,
            "code": code.code, "state": state_of(code), "link": invite_link(code, base),
            "inviter_points": programme.inviter_points,
            "invitee_points": programme.invitee_points,
            "progress": progress.__dict__ if progress else None,
        })  # fmt: skip
    return out


@router.get(
    "/member/referrals/{programme_id}/poster",
    response=responses({200: str, 404: DetailOut}),
    openapi_extra={"responses": {200: {"content": {"image/svg+xml": {}}}}},
)
def member_poster(request: HttpRequest, programme_id: ApiId) -> Any:
    me = _member(request)
    programme = queries.active_programme(programme_id)
    if programme is None:
        return Status(404, {"detail": str(queries.NO_PROGRAMME)})
    code = code_for(programme, customer_id=me)
    svg = render_poster(
        programme, code, inviter_name=queries.display_name(me),
        link=invite_link(code, request.build_absolute_uri("/")),
    )  # fmt: skip
    return HttpResponse(svg, content_type="image/svg+xml")


class GiftOut(Schema):
    programme_id: int
    unlocked_at: datetime
    status: str = Field(..., description="awaiting (staff hand it over), issued, handed_over.")


@router.post(
    "/member/referrals/{programme_id}/gift",
    response=responses({200: GiftOut, 404: DetailOut, 409: DetailOut}, body=True),
)
def member_gift(request: HttpRequest, programme_id: ApiId) -> Status[Any]:
    if queries.active_programme(programme_id) is None:
        return Status(404, {"detail": str(queries.NO_PROGRAMME)})
    try:
        gift = unlock_gift(programme_id, _member(request), at=timezone.now())
    except Refused as refused:
        return Status(409, {"detail": refused.message})
    body = {"programme_id": programme_id, "unlocked_at": gift.created_at, "status": gift.status}
    return Status(200, body)


class ClaimIn(Schema):
    code: str = Field(..., min_length=1, max_length=64)


class ClaimOut(Schema):
    programme_id: int
    status: str


@router.post(
    "/member/referrals/claim", response=responses({200: ClaimOut, 404: DetailOut}, body=True)
)
def member_claim(request: HttpRequest, body: ClaimIn) -> Status[Any]:
    """The invitee opened an invite link (``/r/<code>``): attribute them to its inviter."""
    code = code_from_text(body.code)
    referral = None
    if code is not None:
        referral = attribute_invitee(code, _member(request), via=Via.LINK, at=timezone.now())
    if referral is None:
        return Status(404, {"detail": str(queries.NO_CODE)})
    return Status(200, {"programme_id": referral.programme_id, "status": referral.status})


class RewardOut(Schema):
    programme: str
    role: str
    points: int
    status: str
    release_at: datetime


@router.get("/member/referrals/rewards", response=responses({200: list[RewardOut]}))
def member_rewards(request: HttpRequest) -> list[dict[str, Any]]:
    rows = queries.rewards_of(_member(request))[:100]
    fields = ("role", "points", "status", "release_at")
    return [{"programme": r.programme.name, **{f: getattr(r, f) for f in fields}} for r in rows]
