"""CLV: expected purchases per month from BG/NBD times expected value from Gamma-Gamma,
discounted monthly."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from siyu.analytics.clv.bgnbd import BgNbdParams, expected_purchases_at
from siyu.analytics.clv.gammagamma import GammaGammaParams, expected_average_value
from siyu.analytics.clv.summary import Summary

Array = NDArray[np.float64]


def customer_lifetime_value(
    bg: BgNbdParams,
    gg: GammaGammaParams,
    summary: Summary,
    *,
    months: int = 12,
    monthly_discount: float = 0.01,
    unit_days: float = 7.0,
) -> Array:
    """Discounted value of each customer's expected purchases over the next ``months``."""
    if months <= 0 or monthly_discount < 0:
        raise ValueError("months must be positive and the discount rate not negative")
    value = expected_average_value(gg, summary.x, summary.monetary)
    month = 30.0 / unit_days
    total = np.zeros_like(summary.x)
    previous = np.zeros_like(summary.x)
    horizons = tuple(k * month for k in range(1, months + 1))
    ups = expected_purchases_at(bg, horizons, summary.x, summary.t_x, summary.T)
    for k, upto in enumerate(ups, start=1):
        total += value * (upto - previous) / (1.0 + monthly_discount) ** k
        previous = upto
    return total
