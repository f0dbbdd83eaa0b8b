"""The segment rule tree: JSON that operators edit, validated here before anything runs.

A tree is a node; a node is ``{"kind": "and"|"or", "rules": [...]}``, ``{"kind": "not",
"rule": {...}}`` or one condition (a leaf), for example::

    {"kind": "and", "rules": [
        {"kind": "orders", "metric": "frequency", "window_days": 180, "op": ">=", "value": 3},
        {"kind": "orders", "metric": "monetary", "op": ">=", "value": 50000},
        {"kind": "tags", "mode": "any", "tag_ids": [12]},
        {"kind": "not", "rule": {"kind": "profile", "field": "lifecycle_stage",
                                 "values": ["churned"]}}]}

Money is integer fen. Windows count back from the moment the rule is evaluated.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from siyu.customers.identity_rules import CUSTOM_TYPE, RULES
from siyu.customers.models import ConsentPurpose, Gender, LifecycleStage, SpendingPower

MAX_DEPTH = 6
MAX_CONDITIONS = 40
CMP = Literal[">=", ">", "<=", "<", "=", "!="]
# Event property names go into a JSON path; keep them to plain identifiers.
PROPERTY_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
PROFILE_CHOICES: dict[str, list[str] | None] = {
    "gender": list(Gender.values),
    "lifecycle_stage": list(LifecycleStage.values),
    "spending_power": list(SpendingPower.values),
    "region": None,  # free text
}
Days = Annotated[int, Field(ge=1, le=3650)]
Ids = Annotated[list[int], Field(min_length=1, max_length=100)]
Names = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=100)]], Field(min_length=1, max_length=100)
]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AndNode(_Node):
    kind: Literal["and"]
    rules: list[Node] = Field(min_length=1, max_length=MAX_CONDITIONS)


class OrNode(_Node):
    kind: Literal["or"]
    rules: list[Node] = Field(min_length=1, max_length=MAX_CONDITIONS)


class NotNode(_Node):
    kind: Literal["not"]
    rule: Node


class ProfileCond(_Node):
    """A profile field is one of ``values``."""

    kind: Literal["profile"]
    field: Literal["gender", "region", "lifecycle_stage", "spending_power"]
    values: Names

    @model_validator(mode="after")
    def _known_values(self) -> ProfileCond:
        allowed = PROFILE_CHOICES[self.field]
        bad = [v for v in self.values if allowed is not None and v not in allowed]
        if bad:
            raise ValueError(
                f"unknown {self.field} value(s) {', '.join(bad)}; use {', '.join(allowed or [])}"
            )
        return self


class CreatedCond(_Node):
    """The profile was created after / before a moment, or within the last N days."""

    kind: Literal["created"]
    after: datetime | None = None
    before: datetime | None = None
    within_days: Days | None = None

    @model_validator(mode="after")
    def _one_bound(self) -> CreatedCond:
        if self.after is None and self.before is None and self.within_days is None:
            raise ValueError("give at least one of after, before, within_days")
        for moment in (self.after, self.before):
            if moment is not None and moment.tzinfo is None:
                raise ValueError("times need a UTC offset, e.g. 2025-01-01T00:00:00+08:00")
        return self


class BirthdayCond(_Node):
    kind: Literal["birthday_month"]
    months: Annotated[list[Annotated[int, Field(ge=1, le=12)]], Field(min_length=1, max_length=12)]


class TagsCond(_Node):
    """Has any / all / none of the tags."""

    kind: Literal["tags"]
    mode: Literal["any", "all", "none"]
    tag_ids: Ids


class IdentityCond(_Node):
    """Has an identifier of this type (e.g. a WeCom external userid: is a WeCom contact)."""

    kind: Literal["identity"]
    identity_type: str
    namespace: str | None = Field(default=None, max_length=64)

    @field_validator("identity_type")
    @classmethod
    def _known_type(cls, value: str) -> str:
        if value not in RULES and not CUSTOM_TYPE.match(value):
            raise ValueError(f"unknown identity type; use one of {', '.join(RULES)} or x_<slug>")
        return value


class EventCond(_Node):
    """Count of events of a type, or the sum of a numeric property, within a window."""

    kind: Literal["event"]
    event_type: str = Field(min_length=1, max_length=60)
    measure: Literal["count", "sum"] = "count"
    property: str | None = None
    window_days: Days | None = None
    op: CMP
    value: float

    @model_validator(mode="after")
    def _property_for_sum(self) -> EventCond:
        if self.measure == "sum" and not self.property:
            raise ValueError("measure 'sum' needs the numeric property to add up")
        if self.property is not None and not PROPERTY_NAME.match(self.property):
            raise ValueError("property must be a plain name (letters, digits, underscore)")
        return self


class OrdersCond(_Node):
    """RFM over orders: days since the last order, order count or net spend (fen, after
    refunds) within a window."""

    kind: Literal["orders"]
    metric: Literal["recency_days", "frequency", "monetary"]
    window_days: Days | None = None
    op: CMP
    value: Annotated[int, Field(ge=0)]

    @model_validator(mode="after")
    def _recency_shape(self) -> OrdersCond:
        if self.metric == "recency_days":
            if self.window_days is not None:
                raise ValueError("recency_days takes no window_days")
            if self.op in ("=", "!="):
                raise ValueError("recency_days compares with >=, >, <= or <")
        return self


class CategoryCond(_Node):
    """Bought something of this product category within the window."""

    kind: Literal["category"]
    category: str = Field(min_length=1, max_length=100)
    window_days: Days | None = None


class ChannelCond(_Node):
    kind: Literal["channel"]
    channels: Names


class OwnerCond(_Node):
    """The primary owner (the staff member responsible) is one of these."""

    kind: Literal["owner"]
    staff_ids: Ids


class OrgUnitCond(_Node):
    """Belongs to this org unit or anything under it."""

    kind: Literal["org_unit"]
    org_unit_id: int


class ConsentCond(_Node):
    """The current (latest) decision for a purpose is granted / withdrawn."""

    kind: Literal["consent"]
    purpose: Literal["marketing", "analysis", "ugc_reuse"]
    granted: bool = True


Leaf = (
    ProfileCond
    | CreatedCond
    | BirthdayCond
    | TagsCond
    | IdentityCond
    | EventCond
    | OrdersCond
    | CategoryCond
    | ChannelCond
    | OwnerCond
    | OrgUnitCond
    | ConsentCond
)
Node = Annotated[AndNode | OrNode | NotNode | Leaf, Field(discriminator="kind")]
for _model in (AndNode, OrNode, NotNode):
    _model.model_rebuild()

assert set(ConsentPurpose.values) == {"marketing", "analysis", "ugc_reuse"}  # noqa: S101


class _Tree(BaseModel):
    root: Node


class RuleError(ValueError):
    """The rule cannot be used; ``errors`` lists ``(path, message)`` for the editor."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{p}: {m}" if p else m for p, m in errors))


def parse_rule(data: Any) -> Node:
    """Validate JSON into a rule tree, or raise RuleError with every problem found."""
    try:
        root: Node = _Tree.model_validate({"root": data}).root
    except ValidationError as exc:
        raise RuleError([(_path(e["loc"]), _message(e)) for e in exc.errors()]) from None
    depth, count = _measure(root)
    if depth > MAX_DEPTH:
        raise RuleError([("", f"the rule nests {depth} levels deep; at most {MAX_DEPTH}")])
    if count > MAX_CONDITIONS:
        raise RuleError([("", f"the rule has {count} conditions; at most {MAX_CONDITIONS}")])
    return root


def _path(loc: tuple[int | str, ...]) -> str:
    # Drop our wrapper field and pydantic's union tags ("and", "tags" …) from the path so
    # the editor sees positions in the user's own JSON, e.g. "rules.1.value".
    parts = [str(p) for p in loc[1:]]
    kinds = set(PARSE_KINDS)
    return ".".join(p for i, p in enumerate(parts) if not (p in kinds and _after_node(parts, i)))


def _after_node(parts: list[str], i: int) -> bool:
    return i == 0 or parts[i - 1].isdigit() or parts[i - 1] == "rule"


def _message(error: Any) -> str:
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")


def _measure(node: Node) -> tuple[int, int]:
    """(depth, number of conditions)."""
    if isinstance(node, AndNode | OrNode):
        parts = [_measure(child) for child in node.rules]
        return 1 + max(d for d, _ in parts), sum(c for _, c in parts)
    if isinstance(node, NotNode):
        depth, count = _measure(node.rule)
        return depth + 1, count
    return 1, 1


def leaves(node: Node, path: str = "") -> list[tuple[str, Leaf]]:
    """Every condition with its path in the JSON ("rules.0.rule"), in document order."""
    if isinstance(node, AndNode | OrNode):
        found: list[tuple[str, Leaf]] = []
        for i, child in enumerate(node.rules):
            found.extend(leaves(child, f"{path}.rules.{i}".lstrip(".")))
        return found
    if isinstance(node, NotNode):
        return leaves(node.rule, f"{path}.rule".lstrip("."))
    return [(path, node)]


PARSE_KINDS = (
    "and",
    "or",
    "not",
    "profile",
    "created",
    "birthday_month",
    "tags",
    "identity",
    "event",
    "orders",
    "category",
    "channel",
    "owner",
    "org_unit",
    "consent",
)
