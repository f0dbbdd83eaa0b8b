"""Create group codes and keep their WeCom config pointing at groups scanners can join.

WeCom stops scan-to-join at 200 members, so a code lists (at most 5 of) its groups still
under ``rotate_at``; when a group reaches it, the next group takes its place. When none
is left and the code has ``auto_create_room``, the last group stays listed and WeCom
opens a new one (named ``room_base_name`` + a number) when it fills; that new group joins
the code when its first members are seen (``joins.attribute_joins``).
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.community.models import CodeChat, CodeStatus, GroupCode
from siyu.community.models.codes import MAX_CHATS, SCAN_LIMIT
from siyu.community.seams import JoinWayGateway, JoinWaySpec
from siyu.groups.models import GroupChat
from siyu.messaging.send import Message


class GroupCodeError(ValueError):
    pass


def _check(name: str, chats: Sequence[GroupChat], rotate_at: int, room_base_name: str) -> None:
    if not name.strip():
        raise GroupCodeError(_("A group code needs a name."))
    if not chats:
        raise GroupCodeError(_("A group code needs at least one group."))
    if not 1 <= rotate_at < SCAN_LIMIT:
        raise GroupCodeError(
            _("Rotate before %(limit)d members: WeCom stops scan-to-join there.")
            % {"limit": SCAN_LIMIT}
        )
    if len(room_base_name) > 40:
        raise GroupCodeError(_("The new group name is at most 40 characters."))


def open_chat_ids(code: GroupCode) -> list[str]:
    """The groups WeCom should list now: those still under the rotation threshold, in
    order, at most 5; none left: the last group (WeCom needs one, and auto-creates)."""
    chats = [
        link.chat
        for link in code.chats.select_related("chat").order_by("position", "pk")
        if link.chat.status == 0
    ]
    open_ = [c.chat_id for c in chats if c.member_count < code.rotate_at][:MAX_CHATS]
    if open_:
        return open_
    return [chats[-1].chat_id] if chats else []


def spec_for(code: GroupCode, chat_ids: Sequence[str]) -> JoinWaySpec:
    return JoinWaySpec(
        state=code.state,
        chat_ids=tuple(chat_ids),
        auto_create_room=code.auto_create_room,
        room_base_name=code.room_base_name or code.name[:30],
        room_base_id=code.room_base_id,
        remark=code.name,
    )


def create_group_code(
    name: str,
    chats: Sequence[GroupChat],
    *,
    gateway: JoinWayGateway,
    auto_create_room: bool = True,
    room_base_name: str = "",
    rotate_at: int = 190,
    welcome: Message | None = None,
) -> GroupCode:
    _check(name, chats, rotate_at, room_base_name)
    with transaction.atomic():
        code = GroupCode.objects.create(
            name=name.strip(),
            state=f"gc-{secrets.token_hex(6)}",
            auto_create_room=auto_create_room,
            room_base_name=room_base_name.strip(),
            rotate_at=rotate_at,
            welcome=welcome.as_json() if welcome else {},
            created_at=timezone.now(),
        )
        CodeChat.objects.bulk_create(
            CodeChat(code=code, chat=chat, position=n) for n, chat in enumerate(chats)
        )
        chat_ids = open_chat_ids(code)
    # add_join_way answers with the config id: a call, made outside the transaction.
    try:
        made = gateway.add_join_way(spec_for(code, chat_ids))
    except Exception:
        GroupCode.objects.filter(pk=code.pk).delete()  # nothing in WeCom: no code either
        raise
    GroupCode.objects.filter(pk=code.pk).update(
        config_id=made.config_id, qr_code=made.qr_code, active_chat_ids=chat_ids
    )
    code.refresh_from_db()
    return code


def update_group_code(
    code: GroupCode,
    name: str,
    chats: Sequence[GroupChat],
    *,
    gateway: JoinWayGateway,
    auto_create_room: bool,
    room_base_name: str,
    rotate_at: int,
    welcome: Message | None,
) -> GroupCode:
    """Edit a code: its groups (in the order given), threshold, new-group naming and welcome.
    The printed QR image stays the same; WeCom is told the groups it should list now."""
    _check(name, chats, rotate_at, room_base_name)
    with transaction.atomic():
        code = GroupCode.objects.select_for_update().get(pk=code.pk)
        if code.status == CodeStatus.DELETED:
            raise GroupCodeError(_("This group code is deleted."))
        code.name, code.rotate_at = name.strip(), rotate_at
        code.auto_create_room, code.room_base_name = auto_create_room, room_base_name.strip()
        code.welcome = welcome.as_json() if welcome else {}
        code.save()
        code.chats.exclude(chat__in=chats).delete()
        for n, chat in enumerate(chats):
            CodeChat.objects.update_or_create(code=code, chat=chat, defaults={"position": n})
        chat_ids = open_chat_ids(code)
        if code.config_id:  # queued for WeCom, called after the commit
            gateway.update_join_way(code.config_id, spec_for(code, chat_ids))
        code.active_chat_ids = chat_ids
        code.save(update_fields=["active_chat_ids", "updated_at"])
    return code


def add_chat_to_code(code: GroupCode, chat: GroupChat) -> bool:
    """Queue one more group behind the code's others (an auto-created room, or by hand)."""
    last = code.chats.order_by("-position").values_list("position", flat=True).first()
    _link, created = CodeChat.objects.get_or_create(
        code=code, chat=chat, defaults={"position": (last or 0) + 1}
    )
    return created


def rotate_group_code(code: GroupCode, *, gateway: JoinWayGateway) -> bool:
    """Point WeCom at the groups scanners can still join. True when the list changed."""
    with transaction.atomic():
        # Row lock: two joins finishing together must not push their lists out of order.
        code = GroupCode.objects.select_for_update().get(pk=code.pk)
        if code.status == CodeStatus.DELETED or not code.config_id:
            return False
        chat_ids = open_chat_ids(code)
        if not chat_ids or chat_ids == list(code.active_chat_ids):
            return False
        gateway.update_join_way(code.config_id, spec_for(code, chat_ids))
        code.active_chat_ids = chat_ids
        code.save(update_fields=["active_chat_ids", "updated_at"])
        return True


def rotate_codes_of_chat(chat_id: str, *, gateway: JoinWayGateway) -> int:
    codes = GroupCode.objects.filter(status=CodeStatus.ACTIVE, chats__chat__chat_id=chat_id)
    return sum(rotate_group_code(code, gateway=gateway) for code in codes.distinct())


def delete_group_code(code: GroupCode, *, gateway: JoinWayGateway) -> None:
    with transaction.atomic():
        code = GroupCode.objects.select_for_update().get(pk=code.pk)
        if code.status == CodeStatus.DELETED:
            return
        if code.config_id:
            gateway.del_join_way(code.config_id)
        code.status = CodeStatus.DELETED
        code.save(update_fields=["status", "updated_at"])
