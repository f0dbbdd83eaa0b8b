"""What an outbox row can ask of WeCom. Each action may run twice (a worker killed after
the call, before marking it done), so each is idempotent: it sets a state, or treats
"already so" as success."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from siyu.customers.tagging import ensure_tag
from siyu.integrations.wecom import group_members
from siyu.integrations.wecom.client.api import WeComClient
from siyu.integrations.wecom.client.errors import NotVisible, WeComError
from siyu.integrations.wecom.tag_names import lookup_corp_tags

Action = Callable[[WeComClient, dict[str, Any]], None]
INVALID_PARAMETER = 40058


def update_contact_way(client: WeComClient, payload: dict[str, Any]) -> None:
    """The staff list (and options) of a channel code: the whole state, so a repeat is
    harmless and calls of one code, made in order, leave the last list in WeCom."""
    client.update_contact_way(
        str(payload["config_id"]),
        str(payload["state"]),
        [str(u) for u in payload["userids"]],
        skip_verify=bool(payload["skip_verify"]),
        remark=str(payload.get("remark", "")),
    )


def del_contact_way(client: WeComClient, payload: dict[str, Any]) -> None:
    try:
        client.del_contact_way(str(payload["config_id"]))
    except WeComError as exc:
        if exc.errcode != INVALID_PARAMETER:  # 40058: unknown config_id, i.e. already deleted
            raise


def mirror_tag_names(client: WeComClient, payload: dict[str, Any]) -> None:
    """A tag callback carries only an id: ask WeCom for the names, then create our tags."""
    tags = lookup_corp_tags(client, str(payload["tag_type"]), str(payload["tag_id"]))
    for tag in tags:
        ensure_tag(tag.group_name, tag.tag_name)


def mark_channel_tag(client: WeComClient, payload: dict[str, Any]) -> None:
    """The channel tag on the customer's WeCom card, so staff see where they came from."""
    tag_id = client.ensure_corp_tag(str(payload["group"]), str(payload["tag"]))
    user_id, external_user_id = str(payload["user_id"]), str(payload["external_user_id"])
    try:
        client.mark_tag(user_id, external_user_id, add=[tag_id])
    except NotVisible:
        # The customer may have deleted the rep before the tag landed: then there is no card
        # to tag and nothing failed. A relation that still exists means a real refusal
        # (visibility range, permission), which stays an error.
        if still_follows(client, user_id, external_user_id):
            raise


def still_follows(client: WeComClient, user_id: str, external_user_id: str) -> bool:
    try:
        contact = client.get_external_contact(external_user_id)
    except NotVisible:
        return False
    return any(f.get("userid") == user_id for f in contact.get("follow_user", []))


ACTIONS: dict[str, Action] = {
    "update_contact_way": update_contact_way,
    "del_contact_way": del_contact_way,
    "mirror_tag_names": mirror_tag_names,
    "mark_channel_tag": mark_channel_tag,
    "refresh_group_chat": group_members.refresh_group_chat,
    "update_join_way": group_members.update_join_way,
    "del_join_way": group_members.del_join_way,
}
