"""Segment conditions in words: "近 30 天下单 ≥ 2 次", "有标签 价值/高价值 之一".

Used for membership reasons (which conditions held for a member) and for reading a rule
on the segment page. Names of tags, staff and org units are looked up once for a whole
page (``RuleNames.for_conditions``), so describing costs no query per member.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from siyu.core.models import OrgUnit, Staff
from siyu.customers.event_names import event_label
from siyu.customers.models import ConsentPurpose, Gender, LifecycleStage, SpendingPower, Tag

OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "=": "=", "!=": "≠"}
SEP = "、"


@dataclass(frozen=True)
class RuleNames:
    tags: dict[int, str] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    units: dict[int, str] = field(default_factory=dict)

    @classmethod
    def for_conditions(cls, conditions: Iterable[dict[str, Any]]) -> RuleNames:
        tag_ids: set[int] = set()
        staff_ids: set[int] = set()
        unit_ids: set[int] = set()
        for c in conditions:
            tag_ids.update(c.get("tag_ids") or [])
            staff_ids.update(c.get("staff_ids") or [])
            if c.get("org_unit_id"):
                unit_ids.add(c["org_unit_id"])
        tags = Tag.objects.filter(pk__in=tag_ids).select_related("group") if tag_ids else []
        staff = Staff.objects.filter(pk__in=staff_ids) if staff_ids else []
        units = OrgUnit.objects.filter(pk__in=unit_ids) if unit_ids else []
        return cls(
            tags={t.pk: f"{t.group.name}/{t.name}" if t.group_id else t.name for t in tags},
            staff={s.pk: s.display_name for s in staff},
            units={u.pk: u.name for u in units},
        )


def _listed(ids: Iterable[Any], names: dict[int, str]) -> str:
    return SEP.join(names.get(i, f"#{i}") for i in ids)


def _day(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return timezone.localtime(moment).date().isoformat()


PROFILE_FIELDS: dict[str, tuple[Callable[[], str], dict[str, Any]]] = {
    "gender": (lambda: _("Gender"), dict(Gender.choices)),
    "lifecycle_stage": (lambda: _("Lifecycle stage"), dict(LifecycleStage.choices)),
    "spending_power": (lambda: _("Spending power"), dict(SpendingPower.choices)),
    "region": (lambda: _("Region"), {}),
}


def _profile(c: dict[str, Any], n: RuleNames) -> str:
    label, choices = PROFILE_FIELDS[c["field"]]
    values = SEP.join(str(choices.get(v, v)) for v in c["values"])
    return _("%(field)s is %(values)s") % {"field": label(), "values": values}


def _created(c: dict[str, Any], n: RuleNames) -> str:
    parts = []
    if c.get("after"):
        parts.append(_("created on or after %(day)s") % {"day": _day(c["after"])})
    if c.get("before"):
        parts.append(_("created before %(day)s") % {"day": _day(c["before"])})
    if c.get("within_days"):
        parts.append(_("created in the last %(days)s days") % {"days": c["within_days"]})
    return _(", ").join(parts)


def _birthday(c: dict[str, Any], n: RuleNames) -> str:
    return _("Birthday in month %(months)s") % {"months": SEP.join(map(str, c["months"]))}


def _tags(c: dict[str, Any], n: RuleNames) -> str:
    tags = _listed(c["tag_ids"], n.tags)
    text = {
        "any": _("Has any of the tags %(tags)s"),
        "all": _("Has all of the tags %(tags)s"),
        "none": _("Has none of the tags %(tags)s"),
    }[c["mode"]]
    return text % {"tags": tags}


def _identity(c: dict[str, Any], n: RuleNames) -> str:
    return _("Has an identity of type %(type)s") % {"type": c["identity_type"]}


def _window(text_with: str, text_without: str, c: dict[str, Any], **values: Any) -> str:
    if c.get("window_days"):
        return text_with % {"days": c["window_days"], **values}
    return text_without % values


def _event(c: dict[str, Any], n: RuleNames) -> str:
    op, value = OPS[c["op"]], f"{float(c['value']):g}"
    name = event_label(c["event_type"])
    if c.get("measure") == "sum":
        return _window(
            _("Sum of %(property)s of “%(event)s” in the last %(days)s days %(op)s %(value)s"),
            _("Sum of %(property)s of “%(event)s” %(op)s %(value)s"),
            c,
            property=c.get("property"),
            event=name,
            op=op,
            value=value,
        )
    return _window(
        _("“%(event)s” in the last %(days)s days %(op)s %(value)s times"),
        _("“%(event)s” %(op)s %(value)s times"),
        c,
        event=name,
        op=op,
        value=value,
    )


def _orders(c: dict[str, Any], n: RuleNames) -> str:
    op, value = OPS[c["op"]], c["value"]
    if c["metric"] == "recency_days":
        return _("Days since the last order %(op)s %(value)s") % {"op": op, "value": value}
    if c["metric"] == "monetary":
        return _window(
            _("Net spend in the last %(days)s days %(op)s ¥%(yuan)s"),
            _("Net spend %(op)s ¥%(yuan)s"),
            c,
            op=op,
            yuan=f"{int(value) / 100:,.2f}",
        )
    return _window(
        _("Orders in the last %(days)s days %(op)s %(value)s"),
        _("Orders %(op)s %(value)s"),
        c,
        op=op,
        value=value,
    )


def _category(c: dict[str, Any], n: RuleNames) -> str:
    return _window(
        _("Bought %(category)s in the last %(days)s days"),
        _("Bought %(category)s"),
        c,
        category=c["category"],
    )


def _channel(c: dict[str, Any], n: RuleNames) -> str:
    return _("Came through %(channels)s") % {"channels": SEP.join(c["channels"])}


def _owner(c: dict[str, Any], n: RuleNames) -> str:
    return _("Owned by %(staff)s") % {"staff": _listed(c["staff_ids"], n.staff)}


def _org_unit(c: dict[str, Any], n: RuleNames) -> str:
    unit = n.units.get(c["org_unit_id"], f"#{c['org_unit_id']}")
    return _("In %(unit)s or below") % {"unit": unit}


def _consent(c: dict[str, Any], n: RuleNames) -> str:
    purpose = dict(ConsentPurpose.choices).get(c["purpose"], c["purpose"])
    if c.get("granted", True):
        return _("Consented to %(purpose)s") % {"purpose": purpose}
    return _("Withdrew consent to %(purpose)s") % {"purpose": purpose}


DESCRIBE: dict[str, Callable[[dict[str, Any], RuleNames], str]] = {
    "profile": _profile,
    "created": _created,
    "birthday_month": _birthday,
    "tags": _tags,
    "identity": _identity,
    "event": _event,
    "orders": _orders,
    "category": _category,
    "channel": _channel,
    "owner": _owner,
    "org_unit": _org_unit,
    "consent": _consent,
}


def condition_words(condition: dict[str, Any], names: RuleNames) -> str:
    describe = DESCRIBE.get(str(condition.get("kind")))
    if describe is None:
        return str(condition.get("kind", ""))
    try:
        return describe(condition, names)
    except (KeyError, TypeError, ValueError):  # a reason stored by an older rule shape
        return str(condition.get("kind", ""))


def rule_words(node: dict[str, Any], names: RuleNames) -> str:
    """The whole rule as one sentence with brackets: "(A 且 B) 或 非 C"."""
    kind = node.get("kind")
    if kind in ("and", "or"):
        joiner = _(" and ") if kind == "and" else _(" or ")
        parts = [rule_words(child, names) for child in node.get("rules", [])]
        text = joiner.join(parts)
        return f"({text})" if len(parts) > 1 else text
    if kind == "not":
        return _("not %(rule)s") % {"rule": rule_words(node.get("rule", {}), names)}
    return condition_words(node, names)


def all_conditions(node: dict[str, Any]) -> list[dict[str, Any]]:
    kind = node.get("kind")
    if kind in ("and", "or"):
        return [c for child in node.get("rules", []) for c in all_conditions(child)]
    if kind == "not":
        return all_conditions(node.get("rule", {}))
    return [node]


def reason_conditions(reason: Any) -> list[dict[str, Any]]:
    """The ``conditions`` of a stored membership reason, tolerating any shape."""
    found = reason.get("conditions") if isinstance(reason, dict) else None
    if not isinstance(found, list):
        return []
    return [c for c in found if isinstance(c, dict) and isinstance(c.get("condition"), dict)]


def member_reasons(reason: Any, names: RuleNames) -> list[tuple[str, bool]]:
    """Each condition of a member's reason in words, with whether it held:
    ("近 30 天下单 ≥ 2 次", True)."""
    return [
        (condition_words(c["condition"], names), bool(c.get("held")))
        for c in reason_conditions(reason)
    ]
