"""Split the change of a product of factors (GMV = users × conversion × frequency × AOV)
into one share per factor that adds up exactly to the total change.

We use the Shapley decomposition rather than LMDI: LMDI needs every factor strictly positive
in both periods (it takes logarithms), but a new channel or store has zero buyers in its
first comparison period, and the dashboard must still explain it. Shapley averages each
factor's marginal effect over every order in which factors can be switched from the old to
the new value; the parts telescope, so they sum to the total change with nothing left over,
and a factor that did not move gets exactly zero — in fen too: rounding to fen only hands
units to factors that moved.

The split is only meaningful when the product of the factors IS the total in both periods.
When it is not (GMV from orders but no users in the pool, so conversion is undefined and
the product is 0), there is nothing to split: ``decompose_change`` raises ``CannotExplain``
and the page says so instead of inventing parts.
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


class CannotExplain(ValueError):
    """The factors' product does not reproduce the totals, so there is no split to show."""


def round_to_total(parts: list[float], total: int, moved: list[bool] | None = None) -> list[int]:
    """Round parts to integers that sum to ``total`` (largest remainder), so a table in fen
    adds up to the fen change printed under it. Only parts marked ``moved`` (default: all)
    take rounding units, so an unmoved factor's exact 0 stays 0."""
    floors = [int(p // 1) for p in parts]
    missing = total - sum(floors)
    takers = [i for i in range(len(parts)) if moved is None or moved[i]]
    if not missing:
        return floors
    if not takers:
        raise CannotExplain("no factor moved, yet the total changed")
    # Hand the missing units to the parts that lost the most in rounding down; a negative
    # gap (float error) takes units back from the parts rounded most.
    order = sorted(takers, key=lambda i: parts[i] - floors[i], reverse=missing > 0)
    step = 1 if missing > 0 else -1
    whole, rest = divmod(abs(missing), len(order))
    for rank, i in enumerate(order):
        floors[i] += step * (whole + (1 if rank < rest else 0))
    return floors


def reproduces(factors: list[float], total: int) -> bool:
    """Whether the product of ``factors`` is ``total`` (up to float error, far below a fen)."""
    return abs(prod(factors) - total) < 0.5 + 1e-9 * abs(total)


def decompose_change(
    names: list[str], before: list[float], after: list[float], total_before: int, total_after: int
) -> list[FactorChange]:
    """Shapley shares of the change, with an integer rounding that sums to the fen change.
    Raises CannotExplain when a period's factors do not multiply to its total."""
    if not (reproduces(before, total_before) and reproduces(after, total_after)):
        raise CannotExplain("the factors do not multiply to the totals")
    parts = shapley_parts(before, after)
    moved = [b != a for b, a in zip(before, after, strict=True)]
    fen = round_to_total(parts, total_after - total_before, moved)
    return [
        FactorChange(name, b, a, p, f)
        for name, b, a, p, f in zip(names, before, after, parts, fen, strict=True)
    ]
