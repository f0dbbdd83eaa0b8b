"""Write paths for group members: the full member list a sync or a refresh saw, and the
joins and quits WeCom's callbacks report one by one (each once, by its key)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from siyu.groups.models import ChangeKind, GroupChat, GroupMember, MemberChange, MemberType


@dataclass(frozen=True)
class SeenMember:
    userid: str
    member_type: int
    join_scene: int = 0
    joined_at: datetime | None = None
    state: str = ""
    customer_id: int | None = None


def _chat(chat_id: str, at: datetime) -> GroupChat:
    # A callback may name a chat no sync has seen yet: a stub row, filled by the refresh.
    chat, _created = GroupChat.objects.get_or_create(chat_id=chat_id, defaults={"synced_at": at})
    return chat


FIELDS = ["member_type", "join_scene", "joined_at", "state", "left_at", "customer_id"]


def _values(seen: SeenMember, row: GroupMember | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "member_type": seen.member_type,
        "join_scene": seen.join_scene,
        "joined_at": seen.joined_at,
        "state": seen.state[:30],
        "left_at": None,
    }
    # A member WeCom names that we cannot match to a profile keeps the profile we knew.
    values["customer_id"] = seen.customer_id or (row.customer_id if row else None)
    return values


@transaction.atomic
def record_members(chat_id: str, members: Sequence[SeenMember]) -> int:
    """The chat's whole member list as WeCom answers it: present members refreshed (with
    their join scene and state), absent ones marked left. Returns the member count. Set-
    based (a 500-member group is a few queries): one read, one insert, one update."""
    now = timezone.now()
    chat = _chat(chat_id, now)
    existing = {m.userid: m for m in chat.members.all()}
    fresh, changed = [], []
    unique = {m.userid: m for m in members}
    for seen in unique.values():
        row = existing.get(seen.userid)
        values = _values(seen, row)
        if row is None:
            fresh.append(GroupMember(chat=chat, userid=seen.userid, updated_at=now, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = now
            changed.append(row)
    GroupMember.objects.bulk_create(fresh, batch_size=500)
    GroupMember.objects.bulk_update(changed, [*FIELDS, "updated_at"], batch_size=500)
    present = list(unique)
    gone = chat.members.filter(left_at__isnull=True).exclude(userid__in=present)
    gone.update(left_at=now, updated_at=now)
    GroupChat.objects.filter(pk=chat.pk).update(member_count=len(present))
    return len(present)


def _apply_change(chat: GroupChat, change: MemberChange) -> None:
    member = GroupMember.objects.filter(chat=chat, userid=change.userid).first()
    now = timezone.now()
    if change.kind == ChangeKind.JOIN:
        if member is not None and member.left_at is None:
            return
        GroupMember.objects.update_or_create(
            chat=chat,
            userid=change.userid,
            defaults={
                "member_type": MemberType.EXTERNAL,
                "customer_id": change.customer_id,
                "join_scene": change.scene,
                "joined_at": change.occurred_at,
                "left_at": None,
                "updated_at": now,
            },
        )
        GroupChat.objects.filter(pk=chat.pk).update(member_count=F("member_count") + 1)
    elif member is not None and member.left_at is None:
        GroupMember.objects.filter(pk=member.pk).update(left_at=change.occurred_at, updated_at=now)
        GroupChat.objects.filter(pk=chat.pk, member_count__gt=0).update(
            member_count=F("member_count") - 1
        )


def record_member_change(
    chat_id: str,
    userid: str,
    *,
    kind: str,
    occurred_at: datetime,
    idempotency_key: str,
    customer_id: int | None = None,
    scene: int = 0,
) -> bool:
    """One join or quit; False when this key was recorded before (a replayed callback)."""
    try:
        with transaction.atomic():
            chat = _chat(chat_id, occurred_at)
            change = MemberChange.objects.create(
                chat=chat,
                userid=userid,
                customer_id=customer_id,
                kind=kind,
                scene=scene,
                occurred_at=occurred_at,
                idempotency_key=idempotency_key[:160],
            )
            _apply_change(chat, change)
    except IntegrityError:
        return False
    return True


def groups_of(customer_id: int) -> QuerySet[GroupMember]:
    """The groups a customer is in now, biggest first (the 360 page and the sidebar)."""
    return (
        GroupMember.objects.filter(customer_id=customer_id, left_at__isnull=True)
        .select_related("chat")
        .order_by("-chat__member_count", "chat__name")
    )
