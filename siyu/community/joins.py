"""Who came in by which group code: WeCom reports the join way's ``state`` on each member
who scanned it (groupchat/get), so a join is attributed when the members are refreshed.
Each join is recorded once; its invite (标签建群) is the code's latest invite that
reached the customer; the code's welcome message goes to the newcomer through messaging."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from siyu.community.codes import add_chat_to_code
from siyu.community.models import GroupCode, GroupInvite, GroupJoin
from siyu.groups.models import GroupChat, GroupMember
from siyu.messaging.models import Channel, Send
from siyu.messaging.send import Message, SendRequest, send

INVITE_SOURCE = "community-invite"
WELCOME_SOURCE = "community-welcome"


@dataclass(frozen=True)
class NewJoin:
    join_id: int
    code_id: int
    customer_id: int | None
    adopted: bool = False  # the join's group was new to the code (WeCom opened it)


def _invite_for(code: GroupCode, customer_id: int | None) -> GroupInvite | None:
    if customer_id is None:
        return None
    invites = {f"invite:{pk}": pk for pk in code.invites.values_list("pk", flat=True)}
    if not invites:
        return None
    reached = (
        Send.objects.filter(
            source=INVITE_SOURCE, source_id__in=list(invites), customer_id=customer_id
        )
        .order_by("-created_at", "-pk")
        .values_list("source_id", flat=True)
        .first()
    )
    return code.invites.filter(pk=invites[reached]).first() if reached else None


def _record(code: GroupCode, chat: GroupChat, member: GroupMember, adopted: bool) -> NewJoin | None:
    try:
        with transaction.atomic():
            join = GroupJoin.objects.create(
                code=code,
                chat=chat,
                userid=member.userid,
                customer_id=member.customer_id,
                invite=_invite_for(code, member.customer_id),
                joined_at=member.joined_at or member.updated_at,
            )
    except IntegrityError:
        return None  # seen on an earlier refresh
    return NewJoin(join.pk, code.pk, member.customer_id, adopted)


def _adopt(code: GroupCode, chat: GroupChat) -> bool:
    """A group the code's scanners landed in that the code does not list: WeCom opened it
    (auto_create_room). It joins the code, and the next room gets the next number."""
    if not add_chat_to_code(code, chat):
        return False
    GroupCode.objects.filter(pk=code.pk).update(room_base_id=F("room_base_id") + 1)
    return True


def attribute_joins(chat_id: str) -> list[NewJoin]:
    chat = GroupChat.objects.filter(chat_id=chat_id).first()
    if chat is None:
        return []
    members = list(chat.members.filter(left_at__isnull=True).exclude(state=""))
    codes = {c.state: c for c in GroupCode.objects.filter(state__in={m.state for m in members})}
    found: list[NewJoin] = []
    for member in members:
        code = codes.get(member.state)
        if code is None:
            continue  # a join way made elsewhere
        adopted = _adopt(code, chat)
        new = _record(code, chat, member, adopted)
        if new is not None:
            found.append(new)
    return found


def welcome_joins(joins: list[NewJoin]) -> int:
    """The code's welcome, to each newcomer we know, once per join (policy applies: a
    member nobody on the staff follows is recorded as not reachable)."""
    sent = 0
    codes = {c.pk: c for c in GroupCode.objects.filter(pk__in={j.code_id for j in joins})}
    for join in joins:
        code = codes[join.code_id]
        if join.customer_id is None or not code.welcome.get("text"):
            continue
        message = Message(
            text=str(code.welcome["text"]), attachments=tuple(code.welcome.get("attachments", ()))
        )
        outcome = send(
            SendRequest(
                source=WELCOME_SOURCE,
                source_id=f"join:{join.join_id}",
                channel=Channel.WECOM_CUSTOMER,
                message=message,
                customers=[join.customer_id],
                title=code.name,
            )
        )
        sent += outcome.reached
    return sent
