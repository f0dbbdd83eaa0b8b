"""The compiled SQL selects exactly the customers the plain-Python reference selects, on
random data and random rule trees (hypothesis), on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siyu.demo.brand import Brand
from siyu.segments.compiler import matching_customers
from siyu.segments.rules import parse_rule
from siyu.segments.tests.factories import (
    CATEGORIES,
    CHANNELS,
    CORP,
    EVENT_TYPES,
    NOW,
    REGIONS,
    WINDOWS,
    Pools,
    random_population,
)
from siyu.segments.tests.reference import load_world, matches

OPS = [">=", ">", "<=", "<", "=", "!="]
window = st.sampled_from([None, *WINDOWS])


def leaf_strategy(pools: Pools) -> st.SearchStrategy[dict[str, Any]]:
    def ids(pool: list[int]) -> st.SearchStrategy[list[int]]:
        return st.lists(st.sampled_from(pool), min_size=1, max_size=3)

    return st.one_of(
        st.builds(
            lambda f, v: {"kind": "profile", "field": f, "values": v},
            st.just("gender"),
            st.lists(st.sampled_from(["female", "male", "unknown"]), min_size=1, max_size=5),
        ),
        st.builds(
            lambda v: {"kind": "profile", "field": "region", "values": v},
            st.lists(st.sampled_from([r for r in REGIONS if r] + ["广州"]), min_size=1, max_size=5),
        ),
        st.builds(
            lambda v: {"kind": "profile", "field": "lifecycle_stage", "values": v},
            st.lists(st.sampled_from(["new", "active", "churned"]), min_size=1, max_size=5),
        ),
        st.builds(lambda d: {"kind": "created", "within_days": d}, st.sampled_from(WINDOWS)),
        st.builds(
            lambda d: {"kind": "created", "after": (NOW - timedelta(days=d)).isoformat()},
            st.sampled_from(WINDOWS),
        ),
        st.builds(
            lambda m: {"kind": "birthday_month", "months": m},
            st.lists(st.integers(1, 12), min_size=1, max_size=4),
        ),
        st.builds(
            lambda mode, t: {"kind": "tags", "mode": mode, "tag_ids": t},
            st.sampled_from(["any", "all", "none"]),
            ids(pools.tag_ids),
        ),
        st.builds(
            lambda ns: {
                "kind": "identity",
                "identity_type": "wecom_external_userid",
                **({"namespace": ns} if ns else {}),
            },
            st.sampled_from([None, CORP, "other"]),
        ),
        st.builds(
            lambda t, w, op, v: {
                "kind": "event",
                "event_type": t,
                "window_days": w,
                "op": op,
                "value": v,
            },
            st.sampled_from(EVENT_TYPES),
            window,
            st.sampled_from(OPS),
            st.integers(0, 3),
        ),
        st.builds(
            lambda t, w, op, v: {
                "kind": "event",
                "event_type": t,
                "measure": "sum",
                "property": "amount",
                "window_days": w,
                "op": op,
                "value": v,
            },
            st.sampled_from(EVENT_TYPES),
            window,
            st.sampled_from(OPS),
            st.sampled_from([0, 1, 2.5, 3, 4, 5.5]),
        ),
        st.builds(
            lambda m, w, op, v: {
                "kind": "orders",
                "metric": m,
                "window_days": w,
                "op": op,
                "value": v,
            },
            st.sampled_from(["frequency"]),
            window,
            st.sampled_from(OPS),
            st.integers(0, 4),
        ),
        st.builds(
            lambda w, op, v: {
                "kind": "orders",
                "metric": "monetary",
                "window_days": w,
                "op": op,
                "value": v,
            },
            window,
            st.sampled_from(OPS),
            st.sampled_from([0, 500, 1000, 5000, 20000, 30000]),
        ),
        st.builds(
            lambda op, v: {"kind": "orders", "metric": "recency_days", "op": op, "value": v},
            st.sampled_from([">=", ">", "<=", "<"]),
            st.sampled_from(WINDOWS),
        ),
        st.builds(
            lambda c, w: {"kind": "category", "category": c, "window_days": w},
            st.sampled_from(CATEGORIES),
            window,
        ),
        st.builds(
            lambda c: {"kind": "channel", "channels": c},
            st.lists(st.sampled_from(CHANNELS), min_size=1, max_size=2),
        ),
        st.builds(lambda s: {"kind": "owner", "staff_ids": s}, ids(pools.staff_ids)),
        st.builds(
            lambda u: {"kind": "org_unit", "org_unit_id": u}, st.sampled_from(pools.org_unit_ids)
        ),
        st.builds(
            lambda p, g: {"kind": "consent", "purpose": p, "granted": g},
            st.sampled_from(["marketing", "analysis"]),
            st.booleans(),
        ),
    )


def tree_strategy(pools: Pools) -> st.SearchStrategy[dict[str, Any]]:
    return st.recursive(
        leaf_strategy(pools),
        lambda children: st.one_of(
            st.builds(
                lambda c: {"kind": "and", "rules": c}, st.lists(children, min_size=1, max_size=3)
            ),
            st.builds(
                lambda c: {"kind": "or", "rules": c}, st.lists(children, min_size=1, max_size=3)
            ),
            st.builds(lambda c: {"kind": "not", "rule": c}, children),
        ),
        max_leaves=6,
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_compiled_rules_agree_with_the_reference_evaluator(brand: Brand, seed: int) -> None:
    pools = random_population(brand, seed)
    world = load_world()
    seen_nonempty = []

    @settings(
        max_examples=120,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(tree_strategy(pools))
    def check(data: dict[str, Any]) -> None:
        tree = parse_rule(data)
        got = set(matching_customers(tree, NOW).values_list("pk", flat=True))
        expected = matches(tree, world, NOW)
        assert got == expected, data
        seen_nonempty.append(bool(got) and got != set(world.customers))

    check()
    # The random data must be varied enough that rules actually split the population.
    assert sum(seen_nonempty) > 20
