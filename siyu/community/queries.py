"""Read paths of community operations (the 360 page, the console)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from siyu.community.models import GroupJoin
from siyu.groups.members import groups_of


@dataclass(frozen=True)
class CustomerGroup:
    chat_pk: int
    name: str
    group_type: str
    member_count: int
    joined_at: datetime | None
    join_scene: str
    code: str


def customer_groups(customer_id: int, limit: int = 20) -> list[CustomerGroup]:
    """The groups a customer is in, with how she came in (scene, and the code she scanned)."""
    members = list(groups_of(customer_id)[:limit])
    codes = dict(
        GroupJoin.objects.filter(
            customer_id=customer_id, chat_id__in=[m.chat_id for m in members]
        ).values_list("chat_id", "code__name")
    )
    return [
        CustomerGroup(
            chat_pk=m.chat_id,
            name=str(m.chat),
            group_type=m.chat.get_group_type_display() if m.chat.group_type else "",
            member_count=m.chat.member_count,
            joined_at=m.joined_at,
            join_scene=str(m.get_join_scene_display()),
            code=str(codes.get(m.chat_id, "")),
        )
        for m in members
    ]
