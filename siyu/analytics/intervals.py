"""Confidence intervals for differences between two groups of customers."""

from __future__ import annotations

from dataclasses import dataclass
from math import sqrt

import numpy as np
from numpy.typing import NDArray

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    @property
    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def proportion_difference(hits_t: int, n_t: int, hits_c: int, n_c: int) -> Interval:
    """p_t - p_c with the unpooled normal (Wald) 95 % interval; groups here are hundreds
    to millions of customers, where it covers as advertised (see the coverage test)."""
    if n_t <= 0 or n_c <= 0:
        raise ValueError("both groups need customers")
    p_t, p_c = hits_t / n_t, hits_c / n_c
    se = sqrt(p_t * (1 - p_t) / n_t + p_c * (1 - p_c) / n_c)
    diff = p_t - p_c
    return Interval(diff, diff - Z95 * se, diff + Z95 * se)


def mean_difference(
    treated: NDArray[np.float64], control: NDArray[np.float64]
) -> tuple[Interval, float]:
    """Difference of means with Welch's 95 % interval (unequal variances; revenue per
    customer is skewed, but means of hundreds are near normal). Also returns the squared
    standard error so strata can be pooled."""
    n_t, n_c = len(treated), len(control)
    if n_t < 2 or n_c < 2:
        raise ValueError("both groups need at least two customers")
    v_t = float(np.var(treated, ddof=1)) / n_t
    v_c = float(np.var(control, ddof=1)) / n_c
    diff = float(np.mean(treated) - np.mean(control))
    se2 = v_t + v_c
    if se2 == 0:
        return Interval(diff, diff, diff), 0.0
    dof = se2**2 / (v_t**2 / (n_t - 1) + v_c**2 / (n_c - 1)) if v_t or v_c else n_t + n_c - 2
    # Student's t quantile straight from scipy.special (what scipy.stats.t.ppf computes,
    # to the bit): importing scipy.stats costs 1-3 s, which the first lift page of every
    # web process paid.
    from scipy.special import stdtrit

    half = float(stdtrit(dof, 0.975)) * sqrt(se2)
    return Interval(diff, diff - half, diff + half), se2


def bootstrap_mean_difference(
    treated: NDArray[np.float64],
    control: NDArray[np.float64],
    *,
    resamples: int = 2000,
    seed: int = 0,
) -> Interval:
    """Percentile bootstrap of the difference of means, for small or very skewed groups."""
    if len(treated) == 0 or len(control) == 0:
        raise ValueError("both groups need customers")
    rng = np.random.default_rng(seed)
    t_means = rng.choice(treated, (resamples, len(treated))).mean(axis=1)
    c_means = rng.choice(control, (resamples, len(control))).mean(axis=1)
    low, high = np.percentile(t_means - c_means, [2.5, 97.5])
    return Interval(float(np.mean(treated) - np.mean(control)), float(low), float(high))
