"""Shipped journeys, installable and editable: each is a draft graph with its entry,
goal and exits; installing one makes the tags it uses and a draft journey to edit and
publish. Names and texts are translated when installed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.customers.tagging import ensure_tag
from siyu.journeys.models import Journey

DAY = 86400


@dataclass(frozen=True)
class Shipped:
    key: str
    name: Any
    summary: Any
    build: Callable[[], dict[str, Any]]


def _tag(name: str) -> int:
    return ensure_tag(_("Journeys"), name).pk


def onboarding() -> dict[str, Any]:
    return {
        "entry": {"kind": "event", "event": "wecom_contact_added"},
        "goal": {"event": "order_paid", "window_days": 30, "ends": True},
        "graph": {"start": "gift", "steps": {
            "gift": {"type": "send", "text": _("Welcome! Your new-member gift pack is waiting."), "next": "tag"},
            "tag": {"type": "tag", "tag_id": _tag(_("New contact")), "next": "task"},
            "task": {"type": "task", "title": _("Call the new contact within 24 hours"), "due_hours": 24, "next": "wait"},
            "wait": {"type": "wait", "seconds": 3 * DAY, "next": "ordered"},
            "ordered": {"type": "branch", "cond": {"orders": 1}, "yes": "end", "no": "nudge"},
            "nudge": {"type": "send", "text": _("Your first-order coupon expires soon."), "next": "end"},
            "end": {"type": "end"},
        }},
    }  # fmt: skip


def sop_funnel() -> dict[str, Any]:
    """Seed 004: build trust with content for weeks before any offer."""
    steps: dict[str, Any] = {}
    for week in range(1, 7):
        steps[f"content{week}"] = {"type": "material", "material_id": 0, "next": f"wait{week}"}
        steps[f"wait{week}"] = {
            "type": "wait",
            "seconds": 7 * DAY,
            "next": f"content{week + 1}" if week < 6 else "warm",
        }
    steps |= {
        "warm": {
            "type": "branch",
            "cond": {"event": "material_open", "days": 42},
            "yes": "offer",
            "no": "owner",
        },
        "offer": {"type": "send", "text": _("A member offer, chosen for you."), "next": "end"},
        "owner": {
            "type": "task",
            "title": _("Have a personal chat before any offer"),
            "next": "end",
        },
        "end": {"type": "end"},
    }
    return {"entry": {"kind": "manual"}, "goal": {"event": "order_paid", "window_days": 60},
            "graph": {"start": "content1", "steps": steps}}  # fmt: skip


def luckin_loop() -> dict[str, Any]:
    """Seed 002: coupon → mini-program order → welfare group invite → repurchase reminders."""
    return {
        "entry": {"kind": "event", "event": "wecom_contact_added"},
        "goal": {"event": "order_paid", "window_days": 30},
        "graph": {"start": "coupon", "steps": {
            "coupon": {"type": "coupon", "coupon_id": 0, "next": "order"},
            "order": {"type": "wait_event", "event": "order_paid", "timeout": 7 * DAY, "next": "invite", "timeout_next": "remind"},
            "remind": {"type": "send", "text": _("Your coupon is still waiting in the mini-program."), "next": "end"},
            "invite": {"type": "send", "text": _("Join our welfare group for weekly member deals."), "next": "gap"},
            "gap": {"type": "wait", "seconds": 7 * DAY, "next": "again"},
            "again": {"type": "wait_until", "hour": 9, "weekdays": [0], "next": "repurchase"},
            "repurchase": {"type": "send", "text": _("Time for your weekly coffee?"), "next": "end"},
            "end": {"type": "end"},
        }},
    }  # fmt: skip


def birthday() -> dict[str, Any]:
    return {
        "entry": {"kind": "date", "field": "birthday"},
        "goal": {"event": "order_paid", "window_days": 7},
        "graph": {"start": "morning", "steps": {
            "morning": {"type": "wait_until", "hour": 9, "next": "wish"},
            "wish": {"type": "send", "text": _("Happy birthday! A gift is in your member centre."), "next": "points"},
            "points": {"type": "points", "points": 100, "reason": "birthday", "next": "end"},
            "end": {"type": "end"},
        }},
    }  # fmt: skip


def win_back() -> dict[str, Any]:
    return {
        "entry": {"kind": "segment", "segment_id": 0, "on": "enter"},
        "goal": {"event": "order_paid", "window_days": 30, "ends": True},
        "graph": {"start": "miss", "steps": {
            "miss": {"type": "send", "text": _("We miss you: here is something to come back for."), "next": "wait"},
            "wait": {"type": "wait", "seconds": 5 * DAY, "next": "task"},
            "task": {"type": "task", "title": _("Call an at-risk customer"), "next": "end"},
            "end": {"type": "end"},
        }},
    }  # fmt: skip


def review_request() -> dict[str, Any]:
    return {
        "entry": {"kind": "order"},
        "goal": {"event": "review", "window_days": 14},
        "graph": {"start": "wait", "steps": {
            "wait": {"type": "wait", "seconds": 2 * DAY, "next": "ask"},
            "ask": {"type": "send", "text": _("How was your order? Tell us in one tap."), "next": "answer"},
            "answer": {"type": "wait_event", "event": "review", "match": {"order_id": "$entry.order_id"},
                       "timeout": 3 * DAY, "next": "thanks", "timeout_next": "end"},
            "thanks": {"type": "points", "points": 20, "reason": "review", "next": "end"},
            "end": {"type": "end"},
        }},
    }  # fmt: skip


SHIPPED = {
    t.key: t
    for t in (
        Shipped("onboarding", gettext_lazy("New-contact onboarding"),
                gettext_lazy("Welcome gift, tag, owner task in 24 h, first-order nudge"), onboarding),
        Shipped("sop_funnel", gettext_lazy("Trust-first SOP funnel"),
                gettext_lazy("Six weeks of content before any offer"), sop_funnel),
        Shipped("luckin_loop", gettext_lazy("Repurchase loop"),
                gettext_lazy("Coupon, mini-program order, welfare group, weekly reminders"), luckin_loop),
        Shipped("birthday", gettext_lazy("Birthday"), gettext_lazy("A wish and points on the day"), birthday),
        Shipped("win_back", gettext_lazy("Win back at-risk customers"),
                gettext_lazy("An offer, then the owner calls"), win_back),
        Shipped("review", gettext_lazy("Post-purchase review request"),
                gettext_lazy("Ask two days after the order, thank with points"), review_request),
    )
}  # fmt: skip


@transaction.atomic
def install(key: str, **overrides: Any) -> Journey:
    """A draft journey from the shipped template ``key`` (edit it, then publish)."""
    shipped = SHIPPED[key]
    spec = shipped.build()
    return Journey.objects.create(
        name=str(overrides.get("name") or shipped.name), draft=spec["graph"], entry=spec["entry"],
        goal=spec["goal"], template=key, reentry=overrides.get("reentry", "never"),
        holdout_percent=int(overrides.get("holdout_percent", 10)),
    )  # fmt: skip
