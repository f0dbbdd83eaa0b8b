"""The group SOP calendar: posts into groups (daily deals at fixed times, topics,
sessions, lectures, trial sign-ups, timed lucky draws, group-only offers), each a
scheduled send through messaging, so WeCom's group budget and our policy apply.

A group takes at most ``posts_per_day`` posts a brand day (never bombard a group): the
ceiling is counted under row locks on the groups, so two planners at once cannot pass it;
a group over it keeps the post row, marked, and is left out of the send.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.community.models import CommunitySettings, GroupPost, PostKind, PostStatus, SopSlot
from siyu.core.clock import brand_zone, local_date
from siyu.groups.models import GroupChat
from siyu.messaging.budget import wecom_left
from siyu.messaging.models import Channel
from siyu.messaging.send import Message, Outcome, SendRequest, send

SOURCE = "community-sop"
PLAN_DAYS = 7  # slots are planned this far ahead


class PostError(ValueError):
    pass


@dataclass
class PostPlan:
    batch: str
    planned: list[str] = field(default_factory=list)
    over_ceiling: list[str] = field(default_factory=list)
    outcome: Outcome | None = None


def _posts_on(chat_pks: Sequence[int], day: date) -> dict[int, int]:
    rows = (
        GroupPost.objects.filter(chat_id__in=list(chat_pks), local_day=day)
        .filter(status=PostStatus.PLANNED)
        .values("chat_id")
        .annotate(n=Count("pk"))
    )
    return {r["chat_id"]: r["n"] for r in rows}


def _lock(chats: Sequence[GroupChat]) -> list[GroupChat]:
    rows = GroupChat.objects.filter(pk__in=[c.pk for c in chats]).order_by("pk")
    if connection.vendor == "postgresql":
        rows = rows.select_for_update(no_key=True)
    return list(rows)


def _write_posts(
    chats: Sequence[GroupChat], kind: str, text: str, at: datetime, batch: str, slot: SopSlot | None
) -> PostPlan:
    plan = PostPlan(batch)
    day = local_date(at)
    ceiling = CommunitySettings.current().posts_per_day
    with transaction.atomic():
        locked = _lock(chats)
        done = set(GroupPost.objects.filter(batch=batch).values_list("chat_id", flat=True))
        used = _posts_on([c.pk for c in locked], day)
        rows = []
        for chat in locked:
            if chat.pk in done:
                continue
            over = bool(ceiling) and used.get(chat.pk, 0) >= ceiling
            (plan.over_ceiling if over else plan.planned).append(chat.chat_id)
            rows.append(
                GroupPost(
                    batch=batch, slot=slot, chat=chat, kind=kind, text=text, scheduled_at=at,
                    local_day=day, created_at=timezone.now(),
                    status=PostStatus.OVER_CEILING if over else PostStatus.PLANNED,
                )
            )  # fmt: skip
        GroupPost.objects.bulk_create(rows)
    return plan


def schedule_post(
    chats: Sequence[GroupChat],
    kind: str,
    text: str,
    at: datetime,
    *,
    batch: str = "",
    slot: SopSlot | None = None,
    created_by_id: int | None = None,
    message: Message | None = None,
) -> PostPlan:
    """Plan one post into these groups at ``at``; repeating a batch changes nothing.
    ``message``: what is sent when it is more than the text (a material's card)."""
    if kind not in PostKind.values:
        raise PostError(_("Unknown kind of post."))
    if not text.strip():
        raise PostError(_("Write the post."))
    if not chats:
        raise PostError(_("Choose at least one group."))
    batch = batch or f"post:{uuid.uuid4().hex[:16]}"
    plan = _write_posts(chats, kind, text.strip(), at, batch, slot)
    planned = list(
        GroupPost.objects.filter(batch=batch, status=PostStatus.PLANNED).values_list(
            "chat__chat_id", flat=True
        )
    )
    if planned:
        plan.outcome = send(
            SendRequest(
                source=SOURCE,
                source_id=batch,
                channel=Channel.WECOM_GROUP,
                message=message or Message(text=text.strip()),
                chat_ids=planned,
                at=at,
                title=str(PostKind(kind).label),
                created_by_id=created_by_id,
            )
        )
    return plan


def slot_times(slot: SopSlot, now: datetime, days: int = PLAN_DAYS) -> list[datetime]:
    zone = brand_zone()
    today = now.astimezone(zone).date()
    out = []
    for n in range(days):
        day = today + timedelta(days=n)
        if slot.weekdays and day.isoweekday() not in slot.weekdays:
            continue
        if slot.month_days and day.day not in slot.month_days:
            continue
        at = datetime.combine(day, slot.at_time, tzinfo=zone)
        if at > now:
            out.append(at)
    return out


def plan_slots(now: datetime | None = None, days: int = PLAN_DAYS) -> int:
    """Plan every active slot's posts for the next days (hourly; idempotent per slot, day
    and group). Returns the posts written."""
    now = now or timezone.now()
    written = 0
    for slot in SopSlot.objects.filter(active=True).prefetch_related("chats"):
        chats = list(slot.chats.all())
        for at in slot_times(slot, now, days):
            batch = f"slot:{slot.pk}:{at.date().isoformat()}"
            plan = schedule_post(chats, slot.kind, slot.text, at, batch=batch, slot=slot)
            written += len(plan.planned) + len(plan.over_ceiling)
    return written


def budget_left(chat_ids: Sequence[str], at: datetime | None = None) -> dict[str, int]:
    """WeCom mass messages each group can still take this budget window."""
    left: dict[str, int] = {}
    for chat_id in chat_ids:
        spread = wecom_left([f"g:{chat_id}"], at)
        left[chat_id] = next(iter(spread), 0)
    return left


def posts_left_today(chat: GroupChat, now: datetime | None = None) -> int | None:
    ceiling = CommunitySettings.current().posts_per_day
    if not ceiling:
        return None
    used = _posts_on([chat.pk], local_date(now or timezone.now())).get(chat.pk, 0)
    return max(ceiling - used, 0)
