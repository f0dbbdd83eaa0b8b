"""Creating and changing segments. A saved rule has passed validation and its references
(tags, staff, org units) exist; membership is (re)computed after commit in the background."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction

from siyu.core.models import OrgUnit, Staff
from siyu.customers.models import Tag
from siyu.segments.models import Segment
from siyu.segments.rules import (
    Node,
    OrgUnitCond,
    OwnerCond,
    RuleError,
    TagsCond,
    leaves,
    parse_rule,
)


def check_rule(data: Any) -> Node:
    """Parse and check references; raise RuleError listing every problem."""
    tree = parse_rule(data)
    errors: list[tuple[str, str]] = []
    for path, leaf in leaves(tree):
        missing = _missing(leaf)
        if missing:
            errors.append((path, missing))
    if errors:
        raise RuleError(errors)
    return tree


def _missing(leaf: Any) -> str | None:
    if isinstance(leaf, TagsCond):
        known = set(Tag.objects.filter(pk__in=leaf.tag_ids).values_list("pk", flat=True))
        unknown = sorted(set(leaf.tag_ids) - known)
        return f"unknown tag id(s): {', '.join(map(str, unknown))}" if unknown else None
    if isinstance(leaf, OwnerCond):
        known = set(Staff.objects.filter(pk__in=leaf.staff_ids).values_list("pk", flat=True))
        unknown = sorted(set(leaf.staff_ids) - known)
        return f"unknown staff id(s): {', '.join(map(str, unknown))}" if unknown else None
    if isinstance(leaf, OrgUnitCond) and not OrgUnit.objects.filter(pk=leaf.org_unit_id).exists():
        return f"unknown org unit id {leaf.org_unit_id}"
    return None


def _schedule_refresh(segment_id: int) -> None:
    from siyu.segments.tasks import refresh_segment

    transaction.on_commit(lambda: refresh_segment.enqueue(segment_id))


@transaction.atomic
def create_segment(
    name: str,
    rule: Any,
    *,
    description: str = "",
    actor: AbstractBaseUser | AnonymousUser | None = None,
) -> Segment:
    name = name.strip()
    if not name:
        raise RuleError([("name", "a segment needs a name")])
    if Segment.objects.filter(name=name).exists():
        raise RuleError([("name", f"a segment named “{name}” already exists")])
    tree = check_rule(rule)
    user = actor if isinstance(actor, User) else None
    segment = Segment.objects.create(
        name=name,
        description=description.strip(),
        rule=tree.model_dump(mode="json", exclude_none=True),
        created_by=user,
    )
    _schedule_refresh(segment.pk)
    return segment


@transaction.atomic
def update_segment(segment: Segment, *, rule: Any, description: str | None = None) -> Segment:
    """A new rule applies to everyone at the next refresh (scheduled now): customers who no
    longer match leave with a reason, new matches enter."""
    tree = check_rule(rule)
    segment.rule = tree.model_dump(mode="json", exclude_none=True)
    if description is not None:
        segment.description = description.strip()
    segment.save(update_fields=["rule", "description", "updated_at"])
    _schedule_refresh(segment.pk)
    return segment


@transaction.atomic
def set_segment_active(segment: Segment, active: bool) -> Segment:
    segment.is_active = active
    segment.save(update_fields=["is_active", "updated_at"])
    if active:
        _schedule_refresh(segment.pk)
    return segment
