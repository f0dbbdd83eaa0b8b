"""Group members from WeCom: groupchat/get's member list (join scene, join time and the
join way's ``state``) into the groups app, and the join and quit callbacks.

WeCom's add_member / del_member callback names the members and the join scene but not
their ``state``: each one queues a refresh (groupchat/get, made by the worker after the
callback's transaction commits), which records the whole member list, attributes scans to
our group codes and rotates the codes holding that group.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from siyu.community.codes import rotate_codes_of_chat
from siyu.community.joins import attribute_joins, welcome_joins
from siyu.community.models import GroupCode
from siyu.community.seams import JoinWayMade, JoinWaySpec
from siyu.customers.models import Identity
from siyu.groups.chats import SeenChat, record_group_chat
from siyu.groups.members import SeenMember, record_member_change, record_members
from siyu.groups.models import ChangeKind, MemberType
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.core import Json

EXTERNAL = "wecom_external_userid"


def customer_ids(corp_id: str, userids: Iterable[str]) -> dict[str, int]:
    rows = Identity.objects.filter(
        type=EXTERNAL, namespace=corp_id, value__in=list(userids), customer__isnull=False
    ).values_list("value", "customer_id")
    return {value: int(customer) for value, customer in rows if customer is not None}


def _at(value: Any) -> datetime | None:
    seconds = int(value or 0) if str(value or "0").isdigit() else 0
    return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None


def seen_members(corp_id: str, chat: Json) -> list[SeenMember]:
    items = [m for m in chat.get("member_list") or [] if m.get("userid")]
    known = customer_ids(corp_id, [str(m["userid"]) for m in items if int(m.get("type", 2)) == 2])
    return [
        SeenMember(
            userid=str(m["userid"]),
            member_type=int(m.get("type") or MemberType.EXTERNAL),
            join_scene=int(m.get("join_scene") or 0),
            joined_at=_at(m.get("join_time")),
            state=str(m.get("state") or "")[:30],
            customer_id=known.get(str(m["userid"])),
        )
        for m in items
    ]


def mirror_chat(client: WeComClient, chat_id: str, status: int = 0) -> str:
    """groupchat/get into our rows: the chat, then its members. Returns the chat outcome."""
    chat = client.groupchat(chat_id)
    seen = SeenChat(
        chat_id=chat_id,
        name=str(chat.get("name", ""))[:200],
        owner_userid=str(chat.get("owner", "")),
        member_count=len(chat.get("member_list") or []),
        status=status,
    )
    outcome = record_group_chat(seen)
    record_members(chat_id, seen_members(client.corp_id, chat))
    return outcome


def refresh_group_chat(client: WeComClient, payload: dict[str, Any]) -> None:
    """Outbox action after a member change: mirror, attribute code joins, rotate codes."""
    chat_id = str(payload["chat_id"])
    mirror_chat(client, chat_id)
    joins = attribute_joins(chat_id)
    # WeCom opens a room only when every listed group is full for scans: read them again
    # (members invited without a scan may have filled them) before rotating.
    for code in GroupCode.objects.filter(pk__in={j.code_id for j in joins if j.adopted}):
        for other in code.active_chat_ids:
            if other != chat_id:
                mirror_chat(client, str(other))
    rotate_codes_of_chat(chat_id, gateway=WeComJoinWayGateway(client))
    welcome_joins(joins)


def record_changes(
    corp_id: str,
    chat_id: str,
    members: Iterable[str],
    *,
    joined: bool,
    scene: str,
    occurred_at: datetime,
    key: str,
) -> int:
    externals = [m for m in members if m.startswith(("wm", "wo"))]
    known = customer_ids(corp_id, externals)
    recorded = 0
    for member in externals:
        change_key = f"{key}:{member}"
        if len(change_key) > 160:
            change_key = "wecom:" + hashlib.sha256(change_key.encode()).hexdigest()
        recorded += record_member_change(
            chat_id,
            member,
            kind=ChangeKind.JOIN if joined else ChangeKind.QUIT,
            occurred_at=occurred_at,
            idempotency_key=change_key,
            customer_id=known.get(member),
            scene=int(scene) if scene.isdigit() else 0,
        )
    return recorded


def queue_refresh(corp_id: str, chat_id: str, inbox_key: str) -> None:
    from siyu.integrations.wecom.outbox import queue_call

    queue_call(
        "refresh_group_chat",
        {"chat_id": chat_id},
        ordering_key=f"{corp_id}:chat:{chat_id}",
        key=f"refresh-chat:{inbox_key}",
    )


def _spec_payload(spec: JoinWaySpec) -> dict[str, Any]:
    return {
        "state": spec.state,
        "chat_ids": list(spec.chat_ids),
        "auto_create_room": spec.auto_create_room,
        "room_base_name": spec.room_base_name,
        "room_base_id": spec.room_base_id,
        "remark": spec.remark,
    }


class WeComJoinWayGateway:
    """community.seams.JoinWayGateway over WeCom: creating answers with the config id (a
    call); updates and deletes are outbox rows, ordered per config."""

    def __init__(self, client: WeComClient) -> None:
        self.client = client

    def add_join_way(self, spec: JoinWaySpec) -> JoinWayMade:
        config_id = self.client.add_join_way(spec)
        way = self.client.get_join_way(config_id)
        return JoinWayMade(config_id, str(way.get("qr_code", "")))

    def update_join_way(self, config_id: str, spec: JoinWaySpec) -> None:
        from siyu.integrations.wecom.outbox import queue_call

        payload = {"config_id": config_id, **_spec_payload(spec)}
        queue_call("update_join_way", payload, ordering_key=f"joinway:{config_id}")

    def del_join_way(self, config_id: str) -> None:
        from siyu.integrations.wecom.outbox import queue_call

        queue_call(
            "del_join_way",
            {"config_id": config_id},
            ordering_key=f"joinway:{config_id}",
            key=f"del_join_way:{config_id}",
        )


def update_join_way(client: WeComClient, payload: dict[str, Any]) -> None:
    spec = JoinWaySpec(
        state=str(payload["state"]),
        chat_ids=tuple(str(c) for c in payload["chat_ids"]),
        auto_create_room=bool(payload["auto_create_room"]),
        room_base_name=str(payload["room_base_name"]),
        room_base_id=int(payload["room_base_id"]),
        remark=str(payload.get("remark", "")),
    )
    client.update_join_way(str(payload["config_id"]), spec)


def del_join_way(client: WeComClient, payload: dict[str, Any]) -> None:
    from siyu.integrations.wecom.client.errors import WeComError

    try:
        client.del_join_way(str(payload["config_id"]))
    except WeComError as exc:
        if exc.errcode != 40058:  # unknown config_id: already deleted
            raise
