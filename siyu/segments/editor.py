"""What the segment editor needs: the rule as builder rows (or JSON when the builder cannot
show it exactly), the lists conditions are chosen from, and the rule read back from a post
in either mode."""

from __future__ import annotations

import json
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from siyu.core.models import OrgUnit, Staff
from siyu.customers.event_names import EVENT_LABELS
from siyu.customers.identity_labels import identity_label
from siyu.customers.identity_rules import RULES
from siyu.customers.models import ConsentPurpose, Gender, LifecycleStage, SpendingPower, Tag
from siyu.segments import queries
from siyu.segments.builder import BuilderError, Node
from siyu.segments.builder_form import fields_to_tree, next_index, nodes_to_fields, tree_to_nodes
from siyu.segments.channel import CHANNEL_TAG_GROUP
from siyu.segments.rules import RuleError, parse_rule

BUILDER, JSON = "builder", "json"
LEAF_KINDS = [
    ("orders", gettext_lazy("Orders and spend")),
    ("tags", gettext_lazy("Tags")),
    ("profile", gettext_lazy("Profile")),
    ("event", gettext_lazy("Behaviour (events)")),
    ("category", gettext_lazy("Bought a category")),
    ("channel", gettext_lazy("Channel")),
    ("created", gettext_lazy("Became a customer")),
    ("birthday_month", gettext_lazy("Birthday month")),
    ("owner", gettext_lazy("Owner")),
    ("org_unit", gettext_lazy("Store or region")),
    ("consent", gettext_lazy("Consent")),
    ("identity", gettext_lazy("Has an identity")),
]
OPS = [(">=", "≥"), (">", ">"), ("<=", "≤"), ("<", "<"), ("=", "="), ("!=", "≠")]
METRICS = [
    ("frequency", gettext_lazy("Number of orders")),
    ("monetary", gettext_lazy("Net spend (yuan)")),
    ("recency_days", gettext_lazy("Days since the last order")),
]
PROFILE_FIELDS = [
    ("gender", gettext_lazy("Gender"), Gender.choices),
    ("lifecycle_stage", gettext_lazy("Lifecycle stage"), LifecycleStage.choices),
    ("spending_power", gettext_lazy("Spending power"), SpendingPower.choices),
    ("region", gettext_lazy("Region"), None),
]
TAG_MODES = [
    ("any", gettext_lazy("has any of")),
    ("all", gettext_lazy("has all of")),
    ("none", gettext_lazy("has none of")),
]


def normalised(rule: Any) -> dict[str, Any]:
    return dict(parse_rule(rule).model_dump(mode="json", exclude_none=True))


def builder_rows(rule: Any) -> Node | None:
    """The rows for a rule, or None when the builder would change it (then JSON opens)."""
    try:
        tree = normalised(rule)
    except RuleError:
        return None
    if tree["kind"] not in ("and", "or"):
        tree = {"kind": "and", "rules": [tree]}
    root = tree_to_nodes(tree)
    post = QueryDict(mutable=True)
    for key, value in nodes_to_fields(root):
        post.appendlist(key, value)
    try:
        same = parse_rule(fields_to_tree(post)) == parse_rule(tree)
    except (BuilderError, RuleError):
        return None
    return root if same else None


def choices() -> dict[str, Any]:
    """The lists the builder's conditions are chosen from (a handful of small queries)."""
    tags = Tag.objects.select_related("group").order_by("group__sort_order", "group__name", "name")
    channels = Tag.objects.filter(group__name=CHANNEL_TAG_GROUP).order_by("name")
    return {
        "leaf_kinds": LEAF_KINDS,
        "ops": OPS,
        "metrics": METRICS,
        "profile_fields": PROFILE_FIELDS,
        "tag_modes": TAG_MODES,
        "tags": [(t.pk, f"{t.group.name} / {t.name}") for t in tags],
        "channels": list(channels.values_list("name", flat=True)),
        "staff": list(
            Staff.objects.filter(is_active=True)
            .order_by("display_name")
            .values_list("pk", "display_name")
        ),
        "org_units": list(OrgUnit.objects.order_by("path").values_list("pk", "name")),
        "event_types": [(k, str(v)) for k, v in EVENT_LABELS.items()],
        "identity_types": [(t, identity_label(t)) for t in RULES],
        "purposes": ConsentPurpose.choices,
        "months": list(range(1, 13)),
        "blank_leaf": Node("__i__", "orders"),
        "blank_group": Node("__i__", "and"),
    }


def editor_context(
    rule: Any, *, mode: str | None = None, rule_text: str | None = None
) -> dict[str, Any]:
    root = builder_rows(rule) if mode != JSON else None
    text = rule_text if rule_text is not None else json.dumps(rule, ensure_ascii=False, indent=2)
    context: dict[str, Any] = {"rule_text": text, **choices()}
    if root is not None:
        context.update(mode=BUILDER, root=root, next_index=next_index(root))
    else:
        context.update(mode=JSON, builder_unavailable=mode != JSON)
    return context


def posted_rule(post: QueryDict) -> Any:
    """The rule a post describes: builder fields, or the JSON text (raises ValueError)."""
    if post.get("mode") == BUILDER:
        return fields_to_tree(post)
    return queries.parse_rule_text(post.get("rule", ""))


def error_lines(exc: ValueError) -> list[str]:
    if isinstance(exc, BuilderError):
        return [
            _("Row %(row)s: %(message)s") % {"row": row + 1, "message": m} if row is not None else m
            for row, m in exc.errors
        ]
    if isinstance(exc, RuleError):
        return [f"{path}: {message}" if path else message for path, message in exc.errors]
    return [str(exc)]
