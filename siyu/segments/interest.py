"""Which changes can alter a segment's membership. A rule is a boolean function of its
conditions, and a condition's truth changes only when its inputs do (or with time, which
the periodic sweep handles), so a change that touches none of a rule's inputs cannot move
anyone in or out: the feed consumer skips that segment for it.

A merge, an unmerge and a new or re-linked identity can change anything about a profile
(status, rows moved, a brand-new customer matching a "not …" rule), so every segment
listens to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from siyu.customers.changes import Change
from siyu.customers.models import ChangeKind
from siyu.segments.rules import (
    BirthdayCond,
    CategoryCond,
    ChannelCond,
    ConsentCond,
    CreatedCond,
    EventCond,
    IdentityCond,
    Leaf,
    Node,
    OrdersCond,
    OrgUnitCond,
    OwnerCond,
    ProfileCond,
    TagsCond,
    leaves,
)

ALWAYS = frozenset({ChangeKind.MERGE, ChangeKind.IDENTITY})
_KINDS: dict[type[Any], frozenset[ChangeKind]] = {
    ProfileCond: frozenset({ChangeKind.PROFILE}),
    BirthdayCond: frozenset({ChangeKind.PROFILE}),
    CreatedCond: frozenset(),  # moves only in a merge
    TagsCond: frozenset({ChangeKind.TAG}),
    ChannelCond: frozenset({ChangeKind.TAG}),  # channels are tags (siyu.segments.channel)
    IdentityCond: frozenset(),  # ALWAYS has identities
    EventCond: frozenset(),  # by event type, see Interest.event_types
    OrdersCond: frozenset({ChangeKind.ORDER, ChangeKind.REFUND}),
    CategoryCond: frozenset({ChangeKind.ORDER, ChangeKind.REFUND}),
    # The owner and store move with follows, and with profile fields set by an import.
    OwnerCond: frozenset({ChangeKind.FOLLOW, ChangeKind.PROFILE}),
    OrgUnitCond: frozenset({ChangeKind.FOLLOW, ChangeKind.PROFILE}),
    ConsentCond: frozenset({ChangeKind.CONSENT}),
}
EVERYTHING = frozenset(ChangeKind)


@dataclass(frozen=True)
class Interest:
    kinds: frozenset[str]
    # Events count only when of these types (empty: no event condition).
    event_types: frozenset[str] = field(default_factory=frozenset)

    def wants(self, change: Change) -> bool:
        if change.kind == ChangeKind.EVENT:
            return change.data.get("type") in self.event_types
        return change.kind in self.kinds


def interest_of(tree: Node) -> Interest:
    kinds: set[str] = set(ALWAYS)
    event_types: set[str] = set()
    for _path, leaf in leaves(tree):
        kinds |= _kinds_of(leaf)
        if isinstance(leaf, EventCond):
            event_types.add(leaf.event_type)
    return Interest(frozenset(kinds), frozenset(event_types))


def _kinds_of(leaf: Leaf) -> frozenset[ChangeKind]:
    # A condition this table does not know yet listens to everything (never misses).
    return _KINDS.get(type(leaf), EVERYTHING) - {ChangeKind.EVENT}
