"""The KOC group's own SOP: the group SOP calendar filled from a KOC template — a weekly
new-product trial, a weekly content brief (what to share, with the brand's material) and a
monthly sharing session. Each entry becomes one slot of the group (applied twice, a group
keeps the slots of those kinds it has), and the coming week's posts are planned at once through messaging,
so the posts-per-day ceiling, WeCom's group budget and our caps apply as for any group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from siyu.community.models import PostKind, SopSlot
from siyu.community.sop import PostError, plan_slots
from siyu.groups.models import GroupChat, GroupType


@dataclass(frozen=True)
class TemplateSlot:
    name: Promise
    kind: str
    text: Promise
    at_time: time
    weekdays: tuple[int, ...] = ()
    month_days: tuple[int, ...] = ()


KOC_TEMPLATE = (
    TemplateSlot(
        _("Weekly new-product trial"), PostKind.TRIAL,
        _("This week's new product is ready for you to try first: reply 1 to get a trial "
          "pack, and tell the group what you think."),
        time(20, 0), weekdays=(3,),
    ),
    TemplateSlot(
        _("Weekly content brief"), PostKind.BRIEF,
        _("This week's content brief: the story, the photos and the link to share. Post "
          "in your own words; your code keeps counting the friends who come."),
        time(10, 0), weekdays=(1,),
    ),
    TemplateSlot(
        _("Monthly sharing session"), PostKind.SESSION,
        _("Sharing session tonight at 20:00: three KOCs tell how they brew and share; "
          "bring a question."),
        time(19, 0), month_days=(15,),
    ),
)  # fmt: skip


def schedule_koc_sop(chats: Sequence[GroupChat], now: datetime | None = None) -> list[SopSlot]:
    """Give each KOC group the template's slots it lacks and plan their coming posts.
    Returns the slots of these groups (new and kept)."""
    now = now or timezone.now()
    chats = [c for c in chats if c.group_type == GroupType.KOC]
    if not chats:
        raise PostError(_("Choose a KOC group: the KOC SOP is for groups of type KOC."))
    with transaction.atomic():
        for chat in chats:
            # By kind, not by name: the name is in the language of whoever applied it.
            have = set(chat.sop_slots.filter(active=True).values_list("kind", flat=True))
            for entry in KOC_TEMPLATE:
                if entry.kind in have:
                    continue
                slot = SopSlot.objects.create(
                    name=str(entry.name), kind=entry.kind, text=str(entry.text),
                    at_time=entry.at_time, weekdays=list(entry.weekdays),
                    month_days=list(entry.month_days), created_at=now,
                )  # fmt: skip
                slot.chats.set([chat])
    plan_slots(now)
    return list(
        SopSlot.objects.filter(chats__in=chats, active=True).distinct().order_by("at_time", "pk")
    )
