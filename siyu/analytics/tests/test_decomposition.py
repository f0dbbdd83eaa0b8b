from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from siyu.analytics.decomposition import decompose_change, round_to_total, shapley_parts

positive = st.floats(min_value=1e-3, max_value=1e6, allow_nan=False, allow_infinity=False)
factors = st.lists(positive, min_size=4, max_size=4)


@given(factors, factors)
def test_shapley_parts_add_up_to_the_change_of_the_product(
    before: list[float], after: list[float]
) -> None:
    parts = shapley_parts(before, after)
    change = math.prod(after) - math.prod(before)
    # Exact in arithmetic; in floating point the error scales with the largest mixed product.
    scale = math.prod(max(a, b) for a, b in zip(after, before, strict=True))
    assert math.isclose(sum(parts), change, rel_tol=0, abs_tol=1e-12 * scale)


@given(factors, factors, st.integers(-(10**12), 10**12))
def test_fen_parts_add_up_exactly(before: list[float], after: list[float], total: int) -> None:
    parts = shapley_parts(before, after)
    assert sum(round_to_total(parts, total)) == total


def test_a_factor_that_did_not_move_gets_nothing() -> None:
    parts = shapley_parts([100, 0.1, 50, 2], [100, 0.2, 50, 2])
    assert parts[0] == parts[2] == parts[3] == 0
    assert math.isclose(parts[1], 1000)


def test_two_factor_split_is_the_average_of_both_orders() -> None:
    # 2×3 → 4×5: switching a first gives (4-2)*3=6 then 4*(5-3)=8; the other order gives
    # (4-2)*5=10 and 2*(5-3)=4. Shapley = (6+10)/2 and (8+4)/2.
    assert shapley_parts([2, 3], [4, 5]) == [8.0, 6.0]


def test_zero_buyers_before_is_explained_without_logarithms() -> None:
    """LMDI would take log(0) for a new channel; Shapley still splits the change."""
    result = decompose_change(
        ["users", "conversion", "aov", "frequency"], [10, 0, 0, 0], [20, 0.5, 3000, 1], 0, 30000
    )
    assert sum(p.share_fen for p in result) == 30000
    # Users only matter once the other three have switched (1 ordering in 4): ¼ × 10 × 0.5 × 3000 × 1.
    assert result[0].share_fen == 3750
    assert [p.share_fen for p in result[1:]] == [8750, 8750, 8750]
