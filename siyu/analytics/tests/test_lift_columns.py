"""The read model's columnar WeCom comparison (lift.compare_strata) gives the reference's
figures (compare_rows over strata_rows) to the last bit, and fails on the same groups."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siyu.analytics.lift import Comparison, EmptyGroup, compare_rows, compare_strata, strata_rows

MONTHS = ["2024-11", "2024-12", "2025-01"]
CHANNELS = ["", "抖音", "小红书"]

customers = st.lists(
    st.tuples(
        st.integers(0, len(MONTHS) - 1),
        st.integers(0, len(CHANNELS) - 1),
        st.booleans(),
        st.sampled_from([0, 0, -500, 100, 2500, 9900, 123457]),
        st.sampled_from([0, 0, 0, -300, 100, 4999, 9900, 777777]),
    ),
    max_size=120,
)


def _both(people: list[tuple[int, int, bool, int, int]]) -> tuple[object, object]:
    raw = [(MONTHS[m], CHANNELS[c], w, pre, post) for m, c, w, pre, post in people]

    def run(compare: object) -> object:
        try:
            return compare()  # type: ignore[operator]
        except EmptyGroup as exc:
            return ("empty", exc.group, exc.size)

    columns = [np.array([p[i] for p in people], dtype=np.int64) for i in range(5)]
    ours = run(
        lambda: compare_strata(
            columns[0], columns[1], columns[2].astype(bool), columns[3], columns[4]
        )
    )
    return ours, run(lambda: compare_rows(strata_rows(raw)))


@settings(max_examples=300, deadline=None)
@given(customers)
def test_columns_give_the_reference_figures_exactly(
    people: list[tuple[int, int, bool, int, int]],
) -> None:
    ours, theirs = _both(people)
    assert ours == theirs


def test_strata_are_pooled_in_order_of_their_first_customer() -> None:
    """Many strata with skewed outcomes: pooling them in another order would move the
    last bits of the estimate, which the equality above would see."""
    rng = np.random.default_rng(5)
    people = [
        (
            int(rng.integers(0, 3)),
            int(rng.integers(0, 3)),
            bool(rng.random() < 0.4),
            int(rng.choice([0, 100, 5000, 20000])),
            int(rng.lognormal(8, 2)) if rng.random() < 0.3 else 0,
        )
        for _ in range(5000)
    ]
    ours, theirs = _both(people)
    assert isinstance(ours, Comparison)
    assert ours.strata_used > 10
    assert ours == theirs


@pytest.mark.parametrize(
    ("people", "group"),
    [
        ([], "wecom"),
        ([(0, 0, True, 0, 100), (0, 0, True, 0, 0), (0, 0, False, 0, 5)], "others"),
        (
            [(0, 0, True, 0, 1), (0, 0, True, 0, 2), (1, 0, False, 0, 3), (1, 0, False, 0, 4)],
            "strata",
        ),
    ],
)
def test_too_small_groups_are_named_as_the_reference_names_them(
    people: list[tuple[int, int, bool, int, int]], group: str
) -> None:
    ours, theirs = _both(people)
    assert ours == theirs
    assert isinstance(ours, tuple)
    assert ours[1] == group
