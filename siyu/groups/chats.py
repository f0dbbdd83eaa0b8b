"""Write paths for group chats: what a sync saw, and owners handed over."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

from django.db import transaction
from django.utils import timezone

from siyu.groups.models import GroupChat


@dataclass(frozen=True)
class SeenChat:
    chat_id: str
    name: str
    owner_userid: str
    member_count: int
    status: int


@transaction.atomic
def record_group_chat(seen: SeenChat) -> str:
    """Create or refresh one chat; returns "created", "updated" or "unchanged" (a sync
    replayed after a crash writes nothing the second time)."""
    values = asdict(seen)
    chat_id = values.pop("chat_id")
    row = GroupChat.objects.filter(chat_id=chat_id).first()
    if row is None:
        GroupChat.objects.create(chat_id=chat_id, synced_at=timezone.now(), **values)
        return "created"
    if all(getattr(row, k) == v for k, v in values.items()):
        return "unchanged"
    GroupChat.objects.filter(pk=row.pk).update(synced_at=timezone.now(), **values)
    return "updated"


@transaction.atomic
def hand_over_group_chats(chat_ids: Iterable[str], owner_userid: str) -> int:
    return GroupChat.objects.filter(chat_id__in=list(chat_ids)).update(owner_userid=owner_userid)
