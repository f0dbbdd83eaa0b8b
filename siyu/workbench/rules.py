"""Task rules: an event whose properties meet a condition, a birthday coming, a paid order
N days ago → a task for the customer's primary owner.

Every task a rule makes is keyed by the rule and what fired it (the event, the customer
and the ``once_per`` property's value, the order, the customer and year), so the change
feed's at-least-once delivery and a sweep that runs twice make one task.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from siyu.core.clock import brand_zone, local_date
from siyu.customers.models import Customer, CustomerStatus, Event, Order
from siyu.workbench.labels import title_vars
from siyu.workbench.models import RuleTrigger, Task, TaskKind, TaskRule
from siyu.workbench.tasks import create_task

SOURCE = "rule"
OPS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "=": operator.eq,
    "!=": operator.ne,
}
GREETING_HOUR = 10


class BadRule(ValueError):
    pass


def check_condition(condition: dict[str, Any]) -> dict[str, Any]:
    """A condition as stored: ``{}`` (always) or property, op and a number or text."""
    if not condition:
        return {}
    prop, op, value = condition.get("property"), condition.get("op"), condition.get("value")
    if not isinstance(prop, str) or not prop or len(prop) > 60:
        raise BadRule("property")
    if op not in OPS:
        raise BadRule("op")
    if not isinstance(value, int | float | str) or isinstance(value, bool):
        raise BadRule("value")
    return {"property": prop, "op": op, "value": value}


def matches(condition: dict[str, Any], properties: dict[str, Any]) -> bool:
    if not condition:
        return True
    have = properties.get(condition["property"])
    want = condition["value"]
    if have is None or isinstance(have, bool):
        return False
    if isinstance(want, int | float):
        if not isinstance(have, int | float):
            return False
    else:
        have = str(have)
    try:
        return OPS[condition["op"]](have, want)
    except TypeError:
        return False


def render_title(template: str, customer: Customer, properties: dict[str, Any]) -> str:
    values = {"name": customer.display_name or f"#{customer.pk}", **title_vars(properties)}
    out = template
    for key, value in values.items():
        out = out.replace("{" + key + "}", str(value))
    return out[:200]


def _rule_key(rule: TaskRule, customer_id: int, event: Event) -> str:
    if rule.once_per:
        return f"{rule.pk}:c{customer_id}:{rule.once_per}={event.properties.get(rule.once_per)}"
    return f"{rule.pk}:e{event.pk}"


def _make(rule: TaskRule, customer: Customer, key: str, due_at: datetime, props: dict[str, Any]) -> Task | None:  # fmt: skip
    if customer.primary_owner_id is None or customer.status != CustomerStatus.ACTIVE:
        return None
    material = props.get("material_id")
    return create_task(
        customer_id=customer.pk,
        staff_id=customer.primary_owner_id,
        kind=rule.kind,
        title=render_title(rule.title, customer, props),
        due_at=due_at,
        source=SOURCE,
        source_key=key,
        material_id=material if isinstance(material, int) else None,
        payload={"rule_id": rule.pk},
    )


def apply_event_rules(event: Event, rules: list[TaskRule]) -> list[Task]:
    made = []
    for rule in rules:
        if rule.event_type != event.type or not matches(rule.condition, event.properties):
            continue
        due = event.occurred_at + timedelta(hours=rule.due_hours)
        task = _make(rule, event.customer, _rule_key(rule, event.customer_id, event), due, event.properties)  # fmt: skip
        if task is not None:
            made.append(task)
    return made


def apply_order_rules(order: Order, rules: list[TaskRule]) -> list[Task]:
    made = []
    for rule in rules:
        due = order.paid_at + timedelta(days=rule.days_after, hours=rule.due_hours)
        props = {"order_no": order.order_no, "paid_yuan": f"{order.paid_fen / 100:.2f}"}
        task = _make(rule, order.customer, f"{rule.pk}:o{order.pk}", due, props)
        if task is not None:
            made.append(task)
    return made


def _greeting_at(day: date) -> datetime:
    return datetime.combine(day, time(GREETING_HOUR), tzinfo=brand_zone())


def birthday_tasks(now: datetime, rules: list[TaskRule] | None = None) -> int:
    """For each birthday rule, the customers whose birthday is ``days_after`` days ahead
    (0: today) get a greeting task due that day; one per customer, rule and year."""
    rules = rules if rules is not None else active_rules(RuleTrigger.BIRTHDAY)
    made = 0
    for rule in rules:
        day = local_date(now) + timedelta(days=rule.days_after)
        people = Customer.objects.filter(
            status=CustomerStatus.ACTIVE,
            primary_owner__isnull=False,
            birthday__month=day.month,
            birthday__day=day.day,
        ).order_by("pk")
        for customer in people.iterator(chunk_size=500):
            key = f"{rule.pk}:c{customer.pk}:y{day.year}"
            if _make(rule, customer, key, _greeting_at(day), {}) is not None:
                made += 1
    return made


def active_rules(trigger: str) -> list[TaskRule]:
    return list(TaskRule.objects.filter(is_active=True, trigger=trigger).order_by("pk"))


def create_rule(
    *,
    name: str,
    trigger: str,
    kind: str,
    title: str,
    event_type: str = "",
    condition: dict[str, Any] | None = None,
    once_per: str = "",
    due_hours: int = 24,
    days_after: int = 0,
) -> TaskRule:
    if trigger not in RuleTrigger.values:
        raise BadRule("trigger")
    if kind not in TaskKind.values:
        raise BadRule("kind")
    if trigger == RuleTrigger.EVENT and not event_type:
        raise BadRule("event_type")
    return TaskRule.objects.create(
        name=name[:100],
        trigger=trigger,
        kind=kind,
        title=title[:200],
        event_type=event_type[:60],
        condition=check_condition(condition or {}),
        once_per=once_per[:60],
        due_hours=due_hours,
        days_after=days_after,
    )
