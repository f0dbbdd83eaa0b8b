"""Which changes a rule depends on: its conditions' inputs, plus merges and identities."""

from __future__ import annotations

from typing import Any

from siyu.customers.changes import Change
from siyu.segments.interest import interest_of
from siyu.segments.rules import parse_rule
from siyu.segments.tests.factories import NOW


def change(kind: str, **data: Any) -> Change:
    return Change(1, 0, 1, kind, None, NOW, data)


def wants(rule: dict[str, Any], *changes: Change) -> list[bool]:
    interest = interest_of(parse_rule(rule))
    return [interest.wants(c) for c in changes]


def test_an_event_rule_listens_to_its_event_type_only() -> None:
    rule = {"kind": "event", "event_type": "view", "op": ">=", "value": 1}
    got = wants(rule, change("event", type="view"), change("event", type="buy"), change("tag"))
    assert got == [True, False, False]


def test_nested_rules_listen_to_every_condition_and_always_to_merges() -> None:
    rule = {
        "kind": "and",
        "rules": [
            {"kind": "not", "rule": {"kind": "tags", "mode": "any", "tag_ids": [3]}},
            {"kind": "orders", "metric": "frequency", "op": ">=", "value": 2},
            {"kind": "owner", "staff_ids": [1]},
        ],
    }
    kinds = ["tag", "order", "refund", "follow", "profile", "merge", "identity", "consent"]
    assert wants(rule, *(change(k) for k in kinds)) == [True] * 7 + [False]
    assert wants(rule, change("event", type="view")) == [False]


def test_consent_and_profile_rules() -> None:
    consent = {"kind": "consent", "purpose": "marketing"}
    assert wants(consent, change("consent"), change("profile")) == [True, False]
    gender = {"kind": "profile", "field": "gender", "values": ["female"]}
    assert wants(gender, change("profile"), change("order")) == [True, False]
