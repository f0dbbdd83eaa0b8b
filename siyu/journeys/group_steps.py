"""The group-post step (``group_post``): a journey posts into the customer's groups (社群)
through the group SOP, so a group SOP is a journey step like any message.

Config: ``text`` (≤ 2,000), ``post_kind`` (a ``PostKind``; default the topic of the day),
``group_type`` (only her groups of that type; empty: all of them), ``material_id`` (a
material from the library instead of, or with, the text).

Many members of one group reach the same step: the group gets one post per journey step
and brand day (the post's batch names the step, the group and the day), never one per
member, and the group's posts-per-day ceiling, WeCom's group budget and our caps apply as
for every SOP post (``community.sop.schedule_post``). A material is rendered once per group
with a send ref naming the group, so its readers' ``material_open`` carries the group.
"""

from __future__ import annotations

from collections import defaultdict

from siyu.community.models import GroupPost, PostKind, PostStatus
from siyu.community.sop import PostError, schedule_post
from siyu.content.links import group_send_ref
from siyu.content.models import Material
from siyu.content.render import render_material
from siyu.core.clock import local_date
from siyu.groups.models import GroupChat, GroupMember, MemberType
from siyu.journeys.actions import Batch, Result, register
from siyu.messaging.send import Message

KIND = "group_post"


def _groups_of(batch: Batch) -> dict[int, set[int]]:
    """Each enrolled customer's current groups (still a member, group not dismissed)."""
    rows = GroupMember.objects.filter(
        customer_id__in=[i.customer_id for i in batch.items],
        member_type=MemberType.EXTERNAL,
        left_at__isnull=True,
        chat__status=0,
    )
    group_type = str(batch.config.get("group_type") or "")
    if group_type:
        rows = rows.filter(chat__group_type=group_type)
    out: dict[int, set[int]] = defaultdict(set)
    for customer_id, chat_pk in rows.values_list("customer_id", "chat_id"):
        out[int(customer_id)].add(int(chat_pk))
    return out


def _message(batch: Batch, chat: GroupChat, ref: str, text: str) -> Message | None:
    material_id = batch.config.get("material_id")
    if not isinstance(material_id, int) or not Material.objects.filter(pk=material_id).exists():
        return None
    rendered = render_material(material_id, None, send_ref=group_send_ref(chat.chat_id, ref))
    return Message(
        text=text or rendered.text,
        attachments=rendered.attachments,
        url=rendered.url,
        fields=rendered.fields,
    )


def _post(batch: Batch, chat: GroupChat) -> str:
    """Post into one group (once per step and day); its post's status."""
    ref = f"journey:{batch.journey_id}:{batch.step}:{chat.pk}:{local_date(batch.at).isoformat()}"
    text = str(batch.config.get("text") or "").strip()[:2000]
    kind = str(batch.config.get("post_kind") or PostKind.TOPIC)
    message = _message(batch, chat, ref, text)
    if message is not None:
        text = message.text or str(batch.config.get("title") or "")
    try:
        schedule_post(
            [chat], kind if kind in PostKind.values else PostKind.TOPIC, text, batch.at,
            batch=ref, message=message,
        )  # fmt: skip
    except PostError:
        return "no_text"
    status = GroupPost.objects.filter(batch=ref, chat=chat).values_list("status", flat=True)
    return str(status.first() or "no_text")


def group_post_action(batch: Batch) -> dict[int, Result]:
    groups = _groups_of(batch)
    chats = {
        c.pk: c for c in GroupChat.objects.filter(pk__in={g for s in groups.values() for g in s})
    }
    posted = {pk: _post(batch, chat) for pk, chat in sorted(chats.items())}
    results: dict[int, Result] = {}
    for item in batch.items:
        mine = sorted(groups.get(item.customer_id, ()))
        if not mine:
            results[item.enrollment_id] = Result("skipped", "no_group")
            continue
        done = [chats[pk].chat_id for pk in mine if posted[pk] == PostStatus.PLANNED]
        if done:
            results[item.enrollment_id] = Result("done", "", {"chats": done})
        elif all(posted[pk] == "no_text" for pk in mine):
            results[item.enrollment_id] = Result("skipped", "no_text")
        else:
            results[item.enrollment_id] = Result("blocked", PostStatus.OVER_CEILING)
    return results


def register_group_steps() -> None:
    register(KIND, group_post_action)
