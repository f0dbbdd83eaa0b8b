"""Readable names and sentences for the event types the product writes; unknown types show
as stored (integrations may send their own).

A timeline entry reads as words: "扫码添加 · 导购02 · 渠道 包裹卡 · 已发送欢迎语", never as
the raw property keys. Names of staff and channels come from lookups the caller made once
for the whole page (``Names``), so describing an event costs no query.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.customers.event_names import event_label

# Technical keys a person has no use for on the timeline.
HIDDEN_KEYS = frozenset(
    {
        "corp_id",
        "external_user_id",
        "welcome_code",
        "appid",
        "state",
        "membership_id",
        "segment_id",
        "job_id",
        "conditions",
        "chat_id",
        "unionid",
        "pic_media_id",
    }
)
MAX_SHOWN = 6


@dataclass(frozen=True)
class Names:
    """Staff names by WeCom userid and channel names by code state, looked up once."""

    staff: dict[str, str] = field(default_factory=dict)
    channels: dict[str, str] = field(default_factory=dict)

    def person(self, userid: Any) -> str:
        return self.staff.get(str(userid), str(userid))


def event_title(event_type: str, properties: dict[str, Any]) -> str:
    if event_type == "wecom_contact_added" and properties.get("state"):
        return _("Added by scanning a code")
    return event_label(event_type)


def _staff(p: dict[str, Any], names: Names) -> list[str]:
    return [names.person(p["user_id"])] if p.get("user_id") else []


def _channel(p: dict[str, Any], names: Names) -> list[str]:
    channel = p.get("channel_name") or p.get("channel") or names.channels.get(p.get("state", ""))
    return [_("channel %(name)s") % {"name": channel}] if channel else []


def _added(p: dict[str, Any], names: Names) -> list[str]:
    parts = _staff(p, names) + _channel(p, names)
    if p.get("fail_reason"):
        parts.append(_("failed: %(reason)s") % {"reason": p["fail_reason"]})
    return parts


def _onboarded(p: dict[str, Any], names: Names) -> list[str]:
    parts = _channel(p, names)
    if p.get("first_touch"):
        parts.append(_("first touch"))
    return parts


def _transferred(p: dict[str, Any], names: Names) -> list[str]:
    parts = []
    if p.get("from_user_id") or p.get("to_user_id"):
        parts.append(
            _("from %(old)s to %(new)s")
            % {
                "old": names.person(p.get("from_user_id", "—")),
                "new": names.person(p.get("to_user_id", "—")),
            }
        )
    if p.get("resigned"):
        parts.append(_("staff member left the company"))
    return parts


def _segment(p: dict[str, Any], names: Names) -> list[str]:
    return [str(p["segment_name"])] if p.get("segment_name") else []


def _coupon(p: dict[str, Any], names: Names) -> list[str]:
    parts = [str(p["coupon"])] if p.get("coupon") else []
    if isinstance(p.get("value_fen"), int):
        parts.append(_("worth ¥%(yuan)s") % {"yuan": f"{p['value_fen'] / 100:,.2f}"})
    return parts


def _miniprogram(p: dict[str, Any], names: Names) -> list[str]:
    return [_("WeChat account linked")] if p.get("unionid") else []


def _material(p: dict[str, Any], names: Names) -> list[str]:
    parts = []
    if isinstance(p.get("opens"), int):
        parts.append(_("open %(n)d") % {"n": p["opens"]})
    if isinstance(p.get("seconds"), int) and p["seconds"]:
        parts.append(_("read %(s)d s so far") % {"s": p["seconds"]})
    return parts


def _task(p: dict[str, Any], names: Names) -> list[str]:
    from siyu.workbench.models import Outcome

    outcome = p.get("outcome")
    return [str(Outcome(outcome).label)] if outcome in Outcome.values else []


DESCRIBERS: dict[str, Callable[[dict[str, Any], Names], list[str]]] = {
    "wecom_contact_added": _added,
    "wecom_contact_half_added": _added,
    "wecom_contact_deleted": _staff,
    "wecom_customer_deleted_staff": _staff,
    "wecom_contact_edited": _staff,
    "wecom_transfer_failed": _added,
    "wecom_customer_transferred": _transferred,
    "channel_code_scanned": _channel,
    "onboarded": _onboarded,
    "segment_entered": _segment,
    "segment_exited": _segment,
    "coupon_claim": _coupon,
    "coupon_claimed": _coupon,
    "miniprogram_login": _miniprogram,
    "material_open": _material,
    "task_done": _task,
    "task_overdue": _task,
}
PROPERTY_LABELS: dict[str, Promise] = {
    "page": gettext_lazy("page"),
    "group": gettext_lazy("group"),
    "friends": gettext_lazy("friends"),
    "scene": gettext_lazy("scene"),
    "event_key": gettext_lazy("via"),
}


def _generic(properties: dict[str, Any]) -> list[str]:
    """Known property names in words; other keys of an integration's own event as sent."""
    parts = []
    for key, value in properties.items():
        if key in HIDDEN_KEYS or value in (None, "", [], {}):
            continue
        label = PROPERTY_LABELS.get(key)
        parts.append(f"{label} {value}" if label is not None else f"{key}: {value}")
    return parts[:MAX_SHOWN]


def describe_event(event_type: str, properties: dict[str, Any], names: Names) -> list[str]:
    """The parts after the title, in words."""
    describer = DESCRIBERS.get(event_type)
    if describer is not None:
        return describer(properties, names)
    return _generic(properties)
