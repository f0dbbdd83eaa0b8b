"""The member centre's groups: ``GET /member/groups`` (the member's groups) and
``POST /member/groups/checkin`` (群打卡 with loyalty's streak rewards). The member is named
by her member reference (``siyu/customers/member_ref.py``), as in loyalty's API."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from siyu.access.schemas import DetailOut, responses
from siyu.community.checkin import CheckInRefused, group_check_in
from siyu.core.params import ApiId
from siyu.groups.members import groups_of
from siyu.groups.models import GroupChat
from siyu.loyalty.api import MemberAuth

router = Router(tags=["member centre"], auth=MemberAuth())


def _member(request: HttpRequest) -> int:
    return int(request.auth)  # type: ignore[attr-defined]


class MemberGroupOut(Schema):
    id: int
    name: str
    members: int


@router.get("/member/groups", response=responses({200: list[MemberGroupOut]}))
def member_groups(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {"id": m.chat.pk, "name": str(m.chat), "members": m.chat.member_count}
        for m in groups_of(_member(request))[:50]
    ]


class GroupCheckInIn(Schema):
    group_id: ApiId


class GroupCheckInOut(Schema):
    day: str
    streak: int
    points: int
    already: bool = Field(..., description="True when the member had checked in to it today.")
    group_today: int = Field(..., description="Members of the group who checked in today.")


@router.post(
    "/member/groups/checkin",
    response=responses({200: GroupCheckInOut, 403: DetailOut, 404: DetailOut}, body=True),
)
def member_group_checkin(request: HttpRequest, body: GroupCheckInIn) -> Any:
    chat = GroupChat.objects.filter(pk=body.group_id).first()
    if chat is None:
        return Status(404, {"detail": _("No such group.")})
    try:
        return group_check_in(_member(request), chat)
    except CheckInRefused as exc:
        return Status(403, {"detail": str(exc)})
