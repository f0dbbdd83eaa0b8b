"""A plain-Python evaluator of rule trees, written from the rule docs and not from the SQL,
for checking the compiler on random data."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from siyu.core.models import OrgUnit
from siyu.customers.models import (
    Consent,
    Customer,
    CustomerTag,
    Event,
    Identity,
    Order,
    OrderLine,
)
from siyu.segments import rules as r

CMP: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}


@dataclass
class World:
    customers: dict[int, dict[str, Any]]
    paths: dict[int, str]
    tags: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    channels: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    identities: dict[int, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))
    events: dict[int, list[tuple[str, datetime, dict[str, Any]]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    orders: dict[int, list[tuple[datetime, int]]] = field(default_factory=lambda: defaultdict(list))
    lines: dict[int, list[tuple[datetime, str]]] = field(default_factory=lambda: defaultdict(list))
    consents: dict[int, list[tuple[datetime, int, str, bool]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def load_world() -> World:
    fields = ["pk", "status", "gender", "region", "lifecycle_stage", "spending_power"]
    fields += ["created_at", "birthday", "primary_owner_id", "org_unit_id"]
    world = World(
        customers={c["pk"]: c for c in Customer.objects.values(*fields)},
        paths=dict(OrgUnit.objects.values_list("pk", "path")),
    )
    for cid, tag_id, group, name in CustomerTag.objects.values_list(
        "customer_id", "tag_id", "tag__group__name", "tag__name"
    ):
        world.tags[cid].add(tag_id)
        if group == "渠道":
            world.channels[cid].add(name)
    for cid, typ, ns in Identity.objects.values_list("customer_id", "type", "namespace"):
        if cid is not None:
            world.identities[cid].append((typ, ns))
    for cid, typ, at, props in Event.objects.values_list(
        "customer_id", "type", "occurred_at", "properties"
    ):
        world.events[cid].append((typ, at, props))
    for cid, at, paid, refunded in Order.objects.values_list(
        "customer_id", "paid_at", "paid_fen", "refunded_fen"
    ):
        world.orders[cid].append((at, paid - refunded))
    for cid, at, category in OrderLine.objects.values_list(
        "order__customer_id", "order__paid_at", "category"
    ):
        world.lines[cid].append((at, category))
    for cid, at, pk, purpose, granted in Consent.objects.values_list(
        "customer_id", "occurred_at", "pk", "purpose", "granted"
    ):
        world.consents[cid].append((at, pk, purpose, granted))
    return world


def evaluate(node: r.Node, world: World, cid: int, now: datetime) -> bool:
    if isinstance(node, r.AndNode):
        return all(evaluate(child, world, cid, now) for child in node.rules)
    if isinstance(node, r.OrNode):
        return any(evaluate(child, world, cid, now) for child in node.rules)
    if isinstance(node, r.NotNode):
        return not evaluate(node.rule, world, cid, now)
    return LEAVES[type(node)](node, world, cid, now)


def matches(node: r.Node, world: World, now: datetime) -> set[int]:
    return {
        cid
        for cid, c in world.customers.items()
        if c["status"] == "active" and evaluate(node, world, cid, now)
    }


def _in_window(at: datetime, now: datetime, days: int | None) -> bool:
    return days is None or at >= now - timedelta(days=days)


def _profile(leaf: r.ProfileCond, w: World, cid: int, now: datetime) -> bool:
    return w.customers[cid][leaf.field] in leaf.values


def _created(leaf: r.CreatedCond, w: World, cid: int, now: datetime) -> bool:
    at = w.customers[cid]["created_at"]
    ok = leaf.after is None or at > leaf.after
    ok = ok and (leaf.before is None or at < leaf.before)
    return ok and (leaf.within_days is None or at >= now - timedelta(days=leaf.within_days))


def _birthday(leaf: r.BirthdayCond, w: World, cid: int, now: datetime) -> bool:
    birthday = w.customers[cid]["birthday"]
    return birthday is not None and birthday.month in leaf.months


def _tags(leaf: r.TagsCond, w: World, cid: int, now: datetime) -> bool:
    have, want = w.tags[cid], set(leaf.tag_ids)
    return {"any": bool(have & want), "all": want <= have, "none": not have & want}[leaf.mode]


def _identity(leaf: r.IdentityCond, w: World, cid: int, now: datetime) -> bool:
    return any(
        typ == leaf.identity_type and (leaf.namespace is None or ns == leaf.namespace)
        for typ, ns in w.identities[cid]
    )


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _event(leaf: r.EventCond, w: World, cid: int, now: datetime) -> bool:
    picked = [
        props
        for typ, at, props in w.events[cid]
        if typ == leaf.event_type and _in_window(at, now, leaf.window_days)
    ]
    if leaf.measure == "count":
        total: float = len(picked)
    else:
        total = sum(n for p in picked if (n := _number(p.get(leaf.property or ""))) is not None)
    return CMP[leaf.op](total, leaf.value)


def _orders(leaf: r.OrdersCond, w: World, cid: int, now: datetime) -> bool:
    orders = w.orders[cid]
    if leaf.metric == "recency_days":
        if not orders:
            return False
        since_last = now - max(at for at, _ in orders)
        return CMP[leaf.op](since_last, timedelta(days=leaf.value))
    picked = [net for at, net in orders if _in_window(at, now, leaf.window_days)]
    total = len(picked) if leaf.metric == "frequency" else sum(picked)
    return CMP[leaf.op](total, leaf.value)


def _category(leaf: r.CategoryCond, w: World, cid: int, now: datetime) -> bool:
    return any(
        cat == leaf.category and _in_window(at, now, leaf.window_days) for at, cat in w.lines[cid]
    )


def _channel(leaf: r.ChannelCond, w: World, cid: int, now: datetime) -> bool:
    return bool(w.channels[cid] & set(leaf.channels))


def _owner(leaf: r.OwnerCond, w: World, cid: int, now: datetime) -> bool:
    return w.customers[cid]["primary_owner_id"] in leaf.staff_ids


def _org_unit(leaf: r.OrgUnitCond, w: World, cid: int, now: datetime) -> bool:
    unit = w.customers[cid]["org_unit_id"]
    root = w.paths.get(leaf.org_unit_id)
    return unit is not None and root is not None and w.paths[unit].startswith(root)


def _consent(leaf: r.ConsentCond, w: World, cid: int, now: datetime) -> bool:
    decisions = sorted(c for c in w.consents[cid] if c[2] == leaf.purpose)
    return bool(decisions) and decisions[-1][3] == leaf.granted


LEAVES: dict[type[Any], Callable[[Any, World, int, datetime], bool]] = {
    r.ProfileCond: _profile,
    r.CreatedCond: _created,
    r.BirthdayCond: _birthday,
    r.TagsCond: _tags,
    r.IdentityCond: _identity,
    r.EventCond: _event,
    r.OrdersCond: _orders,
    r.CategoryCond: _category,
    r.ChannelCond: _channel,
    r.OwnerCond: _owner,
    r.OrgUnitCond: _org_unit,
    r.ConsentCond: _consent,
}
