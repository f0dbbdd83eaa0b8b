"""Rule validation: every problem is reported with its place in the JSON."""

from __future__ import annotations

from typing import Any

import pytest

from siyu.segments.rules import MAX_DEPTH, RuleError, leaves, parse_rule


def errors_of(data: Any) -> list[tuple[str, str]]:
    with pytest.raises(RuleError) as caught:
        parse_rule(data)
    return caught.value.errors


def test_a_valid_tree_lists_its_conditions_with_paths() -> None:
    tree = parse_rule(
        {
            "kind": "and",
            "rules": [
                {"kind": "consent", "purpose": "marketing"},
                {"kind": "not", "rule": {"kind": "channel", "channels": ["抖音"]}},
            ],
        }
    )
    assert [path for path, _ in leaves(tree)] == ["rules.0", "rules.1.rule"]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"kind": "nope"}, ("", "does not match any of the expected tags")),
        ({"kind": "tags", "mode": "some", "tag_ids": [1]}, ("mode", "'any', 'all' or 'none'")),
        ({"kind": "tags", "mode": "any", "tag_ids": []}, ("tag_ids", "at least 1 item")),
        ({"kind": "profile", "field": "gender", "values": ["robot"]}, ("", "unknown gender value")),
        (
            {"kind": "event", "event_type": "pay", "measure": "sum", "op": ">", "value": 1},
            ("", "needs the numeric property"),
        ),
        (
            {
                "kind": "event",
                "event_type": "pay",
                "measure": "sum",
                "property": "a'b",
                "op": ">",
                "value": 1,
            },
            ("", "plain name"),
        ),
        (
            {"kind": "orders", "metric": "recency_days", "op": "=", "value": 3},
            ("", ">=, >, <= or <"),
        ),
        (
            {"kind": "orders", "metric": "frequency", "op": ">=", "value": -1},
            ("value", "greater than or equal to 0"),
        ),
        ({"kind": "created", "after": "2025-01-01T00:00:00"}, ("", "UTC offset")),
        ({"kind": "created"}, ("", "at least one of")),
        ({"kind": "identity", "identity_type": "qq"}, ("identity_type", "unknown identity type")),
        (
            {"kind": "and", "rules": [{"kind": "tags", "mode": "any", "tag_ids": [1], "x": 1}]},
            ("rules.0.x", "Extra inputs"),
        ),
        ("not an object", ("", "valid dictionary")),
    ],
)
def test_bad_rules_are_refused_with_a_message(data: Any, expected: tuple[str, str]) -> None:
    errors = errors_of(data)
    assert any(path == expected[0] and expected[1] in message for path, message in errors), errors


def test_too_deep_a_tree_is_refused() -> None:
    node: dict[str, Any] = {"kind": "profile", "field": "region", "values": ["上海"]}
    for _ in range(MAX_DEPTH):
        node = {"kind": "not", "rule": node}
    assert "levels deep" in errors_of(node)[0][1]
