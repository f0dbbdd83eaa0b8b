"""WeCom callback events: parsed into frozen dataclasses, applied through customer verbs.

Events we do not know are parsed into ``OtherEvent`` and applied as a no-op: they stay in
the inbox for later, and answering anything but success would make WeCom retry forever.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import transaction

from siyu.core.models import Staff
from siyu.customers.events import record_event
from siyu.customers.follows import follow_customer, unfollow_customer
from siyu.customers.identity_rules import IdentityInput
from siyu.customers.models import Customer
from siyu.customers.resolve import resolve_identities
from siyu.integrations.wecom.group_members import queue_refresh, record_changes
from siyu.integrations.wecom.signals import contact_added

log = logging.getLogger(__name__)
SOURCE = "wecom"


@dataclass(frozen=True)
class ContactEvent:
    corp_id: str
    change_type: str
    user_id: str
    external_user_id: str
    occurred_at: datetime
    state: str = ""
    welcome_code: str = ""
    fail_reason: str = ""
    source: str = ""  # del_external_contact: DELETE_BY_TRANSFER when a transfer removed it


@dataclass(frozen=True)
class ChatEvent:
    corp_id: str
    change_type: str
    chat_id: str
    occurred_at: datetime
    update_detail: str = ""
    join_scene: str = ""
    quit_scene: str = ""
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class TagEvent:
    corp_id: str
    change_type: str
    tag_id: str
    tag_type: str  # "tag" or "tag_group"
    occurred_at: datetime
    strategy_id: str = ""


@dataclass(frozen=True)
class OtherEvent:
    corp_id: str
    event: str
    change_type: str
    occurred_at: datetime


WecomEvent = ContactEvent | ChatEvent | TagEvent | OtherEvent


@dataclass(frozen=True)
class CorpTag:
    group_name: str
    tag_name: str


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def _occurred_at(data: dict[str, Any], fallback: datetime) -> datetime:
    raw = _text(data, "CreateTime")
    return datetime.fromtimestamp(int(raw), tz=UTC) if raw.isdigit() else fallback


def _members(data: dict[str, Any]) -> tuple[str, ...]:
    change_list = data.get("MemChangeList")
    items = change_list.get("Item", []) if isinstance(change_list, dict) else []
    items = items if isinstance(items, list) else [items]
    return tuple(i.strip() for i in items if isinstance(i, str) and i.strip())


def parse_event(corp_id: str, data: dict[str, Any], *, received_at: datetime) -> WecomEvent:
    event = _text(data, "Event")
    change = _text(data, "ChangeType")
    at = _occurred_at(data, received_at)
    if event == "change_external_contact":
        return ContactEvent(
            corp_id,
            change,
            _text(data, "UserID"),
            _text(data, "ExternalUserID"),
            at,
            state=_text(data, "State"),
            welcome_code=_text(data, "WelcomeCode"),
            fail_reason=_text(data, "FailReason"),
            source=_text(data, "Source"),
        )
    if event == "change_external_chat":
        return ChatEvent(
            corp_id,
            change,
            _text(data, "ChatId"),
            at,
            update_detail=_text(data, "UpdateDetail"),
            join_scene=_text(data, "JoinScene"),
            quit_scene=_text(data, "QuitScene"),
            members=_members(data),
        )
    if event == "change_external_tag":
        return TagEvent(
            corp_id,
            change,
            _text(data, "Id"),
            _text(data, "TagType"),
            at,
            strategy_id=_text(data, "StrategyId"),
        )
    return OtherEvent(corp_id, event or _text(data, "MsgType"), change, at)


def ordering_key(event: WecomEvent, fallback: str) -> str:
    """Events with the same key are applied one after another in arrival order."""
    match event:
        case ContactEvent(user_id=u, external_user_id=x) if u or x:
            return f"{event.corp_id}:contact:{u}:{x}"
        case ChatEvent(chat_id=c) if c:
            return f"{event.corp_id}:chat:{c}"
        case TagEvent(tag_id=t) if t:
            return f"{event.corp_id}:tag:{t}"
    return fallback  # unrelated to anything else: its own key, never waits


CONTACT_EVENT_TYPES = {
    "add_external_contact": "wecom_contact_added",
    "add_half_external_contact": "wecom_contact_half_added",
    "edit_external_contact": "wecom_contact_edited",
    "del_external_contact": "wecom_contact_deleted",
    "del_follow_user": "wecom_customer_deleted_staff",
    "transfer_fail": "wecom_transfer_failed",
}
ADD_TYPES = {"add_external_contact", "add_half_external_contact"}
REMOVE_TYPES = {"del_external_contact", "del_follow_user"}


def _customer(
    corp_id: str, external_user_id: str, at: datetime, *, returning: bool = False
) -> Customer | None:
    identity = IdentityInput("wecom_external_userid", external_user_id, corp_id)
    # A new add is the person's own act: it may bring back someone deleted (her tombstone
    # is lifted, siyu/privacy/tombstones.py); any other callback about her is refused.
    return resolve_identities([identity], source=SOURCE, at=at, returning=returning)


def _event_key(inbox_key: str, suffix: str = "") -> str:
    key = f"wecom:{inbox_key}:{suffix}" if suffix else f"wecom:{inbox_key}"
    return key if len(key) <= 128 else "wecom:" + hashlib.sha256(key.encode()).hexdigest()


def apply_contact(event: ContactEvent, *, inbox_key: str, inbox_id: int) -> None:
    event_type = CONTACT_EVENT_TYPES.get(event.change_type)
    if event_type is None or not event.external_user_id:
        log.debug("wecom contact change %r kept in the inbox only", event.change_type)
        return
    returning = event.change_type == "add_external_contact"
    customer = _customer(
        event.corp_id, event.external_user_id, event.occurred_at, returning=returning
    )
    if customer is None:
        log.warning("wecom contact change %s: external userid refused", event.change_type)
        return
    staff = Staff.objects.filter(wecom_userid=event.user_id).first() if event.user_id else None
    properties = {
        "corp_id": event.corp_id,
        "user_id": event.user_id,
        "external_user_id": event.external_user_id,
        "state": event.state,
        "welcome_code": event.welcome_code,
        "fail_reason": event.fail_reason,
        "source": event.source,
    }
    record_event(
        customer,
        type=event_type,
        occurred_at=event.occurred_at,
        properties={k: v for k, v in properties.items() if v},
        source=SOURCE,
        idempotency_key=_event_key(inbox_key),
    )
    if staff is not None and event.change_type in ADD_TYPES:
        follow_customer(customer, staff, at=event.occurred_at)
    elif staff is not None and event.change_type in REMOVE_TYPES:
        unfollow_customer(customer, staff, at=event.occurred_at)
    if event.change_type in ADD_TYPES:
        transaction.on_commit(
            lambda: _send_contact_added(event, staff, customer, inbox_id), robust=True
        )


def _send_contact_added(
    event: ContactEvent, staff: Staff | None, customer: Customer, inbox_id: int
) -> None:
    for receiver, result in contact_added.send_robust(
        sender=ContactEvent,
        corp_id=event.corp_id,
        user_id=event.user_id,
        external_user_id=event.external_user_id,
        staff=staff,
        customer=customer,
        state=event.state,
        welcome_code=event.welcome_code,
        change_type=event.change_type,
        inbox_id=inbox_id,
        occurred_at=event.occurred_at,
    ):
        if isinstance(result, Exception):
            log.error("contact_added receiver %r failed: %r", receiver, result)


def _is_external(member_id: str) -> bool:
    # External contacts' userids start with wm (WeChat users) or wo; staff ids are free-form.
    return member_id.startswith(("wm", "wo"))


def apply_chat(event: ChatEvent, *, inbox_key: str) -> None:
    if event.change_type == "create":
        queue_refresh(event.corp_id, event.chat_id, inbox_key)
        return
    if event.change_type != "update" or event.update_detail not in {"add_member", "del_member"}:
        return  # dismiss/renames: the inbox keeps them; the next sync mirrors them
    joined = event.update_detail == "add_member"
    scene = event.join_scene if joined else event.quit_scene
    for member in event.members:
        if not _is_external(member):
            continue
        customer = _customer(event.corp_id, member, event.occurred_at)
        if customer is None:
            continue
        properties = {"corp_id": event.corp_id, "chat_id": event.chat_id}
        if scene:
            properties["scene"] = scene
        record_event(
            customer,
            type="wecom_group_joined" if joined else "wecom_group_left",
            occurred_at=event.occurred_at,
            properties=properties,
            source=SOURCE,
            idempotency_key=_event_key(inbox_key, member),
        )
    record_changes(
        event.corp_id,
        event.chat_id,
        event.members,
        joined=joined,
        scene=scene,
        occurred_at=event.occurred_at,
        key=f"wecom:{inbox_key}",
    )
    # The callback carries no state: groupchat/get tells which code each member scanned.
    queue_refresh(event.corp_id, event.chat_id, inbox_key)


def apply_tag(event: TagEvent, *, inbox_key: str) -> None:
    """Tag events carry only ids: the names are asked of WeCom after commit (outbox)."""
    from siyu.integrations.wecom.outbox import queue_call

    if event.change_type not in {"create", "update"}:
        return  # delete/shuffle: no verb removes a tag definition yet; the inbox keeps them
    queue_call(
        "mirror_tag_names",
        {"corp_id": event.corp_id, "tag_type": event.tag_type, "tag_id": event.tag_id},
        ordering_key=f"{event.corp_id}:tag:{event.tag_id}",
        key=f"tag-names:{inbox_key}",
    )


def apply_event(event: WecomEvent, *, inbox_key: str, inbox_id: int) -> None:
    """Apply one event; runs inside the inbox row's transaction."""
    if isinstance(event, ContactEvent):
        apply_contact(event, inbox_key=inbox_key, inbox_id=inbox_id)
    elif isinstance(event, ChatEvent):
        apply_chat(event, inbox_key=inbox_key)
    elif isinstance(event, TagEvent):
        apply_tag(event, inbox_key=inbox_key)
