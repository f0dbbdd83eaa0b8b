"""The visual builder writes the same rule tree: tree → builder rows → posted fields → tree
round-trips for every tree the builder can show, and bad fields get translated messages."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.http import QueryDict
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from siyu.segments.builder import BuilderError, fen_from_yuan, yuan_text
from siyu.segments.builder_form import fields_to_tree, nodes_to_fields, tree_to_nodes
from siyu.segments.rules import parse_rule

OPS = st.sampled_from([">=", ">", "<=", "<", "=", "!="])
DAYS = st.integers(1, 3650)
TEXT = st.text(alphabet="咖啡豆手冲abcXYZ_09", min_size=1, max_size=12).map(str.strip).filter(bool)
NAME = st.from_regex(r"\A[a-z_][a-z0-9_]{0,10}\Z")


def _day() -> st.SearchStrategy[str]:
    days = st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31))
    zone = timezone.get_default_timezone()
    return days.map(lambda d: datetime.combine(d, time.min, tzinfo=zone).isoformat())


def _optional(**parts: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({}, optional=parts)


def _with(base: dict[str, Any], extra: st.SearchStrategy[dict[str, Any]]) -> Any:
    return extra.map(lambda more: {**base, **more})


profile = st.one_of(
    st.lists(st.sampled_from(["male", "female", "unknown"]), min_size=1, max_size=3).map(
        lambda v: {"kind": "profile", "field": "gender", "values": v}
    ),
    st.lists(st.sampled_from(["new", "active", "churned"]), min_size=1, max_size=3).map(
        lambda v: {"kind": "profile", "field": "lifecycle_stage", "values": v}
    ),
    st.lists(TEXT, min_size=1, max_size=3).map(
        lambda v: {"kind": "profile", "field": "region", "values": v}
    ),
)
created = _with(
    {"kind": "created"}, _optional(after=_day(), before=_day(), within_days=DAYS)
).filter(lambda d: len(d) > 1)
orders = st.one_of(
    st.builds(
        lambda op, v: {"kind": "orders", "metric": "recency_days", "op": op, "value": v},
        st.sampled_from([">=", ">", "<=", "<"]),
        st.integers(0, 5000),
    ),
    st.builds(
        lambda m, op, v, w: {"kind": "orders", "metric": m, "op": op, "value": v, **w},
        st.sampled_from(["frequency", "monetary"]),
        OPS,
        st.integers(0, 10**9),
        _optional(window_days=DAYS),
    ),
)
event = st.builds(
    lambda t, op, v, w: {"kind": "event", "event_type": t, "op": op, "value": v, **w},
    NAME,
    OPS,
    st.floats(-1e6, 1e6, allow_nan=False),
    _optional(window_days=DAYS),
)
event_sum = st.builds(
    lambda t, p, v: {
        "kind": "event",
        "event_type": t,
        "measure": "sum",
        "property": p,
        "op": ">=",
        "value": v,
    },
    NAME,
    NAME,
    st.integers(0, 10**6),
)
ids = st.lists(st.integers(1, 10**6), min_size=1, max_size=4)
leaf = st.one_of(
    profile,
    created,
    orders,
    event,
    event_sum,
    st.lists(st.integers(1, 12), min_size=1, max_size=12).map(
        lambda m: {"kind": "birthday_month", "months": m}
    ),
    st.builds(
        lambda mode, t: {"kind": "tags", "mode": mode, "tag_ids": t},
        st.sampled_from(["any", "all", "none"]),
        ids,
    ),
    _with({"kind": "identity", "identity_type": "phone"}, _optional(namespace=NAME)),
    _with({"kind": "category", "category": "咖啡豆"}, _optional(window_days=DAYS)),
    st.lists(TEXT, min_size=1, max_size=3).map(lambda c: {"kind": "channel", "channels": c}),
    ids.map(lambda s: {"kind": "owner", "staff_ids": s}),
    st.integers(1, 10**6).map(lambda u: {"kind": "org_unit", "org_unit_id": u}),
    st.builds(
        lambda p, g: {"kind": "consent", "purpose": p, "granted": g},
        st.sampled_from(["marketing", "analysis", "ugc_reuse"]),
        st.booleans(),
    ),
)
trees = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.builds(
            lambda k, r: {"kind": k, "rules": r},
            st.sampled_from(["and", "or"]),
            st.lists(inner, min_size=1, max_size=4),
        ),
        inner.map(lambda r: {"kind": "not", "rule": r}),
    ),
    max_leaves=8,
).map(lambda t: t if t["kind"] in ("and", "or") else {"kind": "and", "rules": [t]})


def _post(pairs: list[tuple[str, str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    return data


@settings(max_examples=300, deadline=None)
@given(trees)
def test_tree_to_builder_fields_and_back_is_the_same_rule(tree: dict[str, Any]) -> None:
    parsed = parse_rule(tree)
    shown = parsed.model_dump(mode="json", exclude_none=True)
    back = fields_to_tree(_post(nodes_to_fields(tree_to_nodes(shown))))
    assert parse_rule(back) == parsed


def test_money_is_typed_in_yuan_and_stored_in_fen() -> None:
    assert fen_from_yuan("500") == 50000
    assert fen_from_yuan("12.34") == 1234
    assert yuan_text(1234) == "12.34"
    tree = {
        "kind": "and",
        "rules": [{"kind": "orders", "metric": "monetary", "op": ">=", "value": 50000}],
    }
    pairs = nodes_to_fields(tree_to_nodes(tree))
    assert ("n1-orders-value", "500.00") in pairs


def test_bad_fields_say_what_is_wrong_in_the_users_language() -> None:
    data = _post(
        [
            ("n0-parent", ""),
            ("n0-kind", "or"),
            ("n1-parent", "0"),
            ("n1-kind", "orders"),
            ("n1-orders-metric", "monetary"),
            ("n1-orders-value", "12.345"),
            ("n2-parent", "0"),
            ("n2-kind", "tags"),
        ]
    )
    with translation.override("zh-hans"):
        try:
            fields_to_tree(data)
        except BuilderError as exc:
            messages = dict(exc.errors)
        else:
            raise AssertionError("bad fields were accepted")
    assert messages[1] == "金额以元为单位，最多两位小数，且不能为负"
    assert messages[2] == "请至少选择一个标签"
