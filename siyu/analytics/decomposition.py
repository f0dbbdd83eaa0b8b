"""Split the change of a product of factors (GMV = users × conversion × frequency × AOV)
into one share per factor that adds up exactly to the total change.

We use the Shapley decomposition rather than LMDI: LMDI needs every factor strictly positive
in both periods (it takes logarithms), but a new channel or store has zero buyers in its
first comparison period, and the dashboard must still explain it. Shapley averages each
factor's marginal effect over every order in which factors can be switched from the old to
the new value; the parts telescope, so they sum to the total change with nothing left over,
and a factor that did not move gets exactly zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from math import factorial, prod


@dataclass(frozen=True)
class FactorChange:
    name: str
    before: float
    after: float
    share: float  # contribution to the total change, in the product's unit
    share_fen: int  # the same rounded so that the integer parts sum to the integer change


def shapley_parts(before: list[float], after: list[float]) -> list[float]:
    """Each factor's Shapley contribution to prod(after) - prod(before)."""
    n = len(before)
    if n != len(after) or n == 0:
        raise ValueError("before and after need the same, non-zero number of factors")
    parts = [0.0] * n
    others = range(n)
    for i in range(n):
        rest = [j for j in others if j != i]
        for size in range(n):
            weight = factorial(size) * factorial(n - size - 1) / factorial(n)
            for switched in combinations(rest, size):
                base = prod(after[j] if j in switched else before[j] for j in rest)
                parts[i] += weight * base * (after[i] - before[i])
    return parts


def round_to_total(parts: list[float], total: int) -> list[int]:
    """Round parts to integers that sum to ``total`` (largest remainder), so a table in fen
    adds up to the fen change printed under it."""
    floors = [int(p // 1) for p in parts]
    missing = total - sum(floors)
    # Hand the missing units to the parts that lost the most in rounding down; a negative
    # gap (float error) takes units back from the parts rounded most.
    order = sorted(range(len(parts)), key=lambda i: parts[i] - floors[i], reverse=missing > 0)
    step = 1 if missing > 0 else -1
    whole, rest = divmod(abs(missing), len(parts))
    for rank, i in enumerate(order):
        floors[i] += step * (whole + (1 if rank < rest else 0))
    return floors


def decompose_change(
    names: list[str], before: list[float], after: list[float], total_before: int, total_after: int
) -> list[FactorChange]:
    """Shapley shares of the change, with an integer rounding that sums to the fen change."""
    parts = shapley_parts(before, after)
    fen = round_to_total(parts, total_after - total_before)
    return [
        FactorChange(name, b, a, p, f)
        for name, b, a, p, f in zip(names, before, after, parts, fen, strict=True)
    ]
