from __future__ import annotations

import numpy as np

from siyu.analytics.intervals import (
    bootstrap_mean_difference,
    mean_difference,
    proportion_difference,
)


def test_proportion_interval_by_hand() -> None:
    # 30/100 vs 20/100: se = sqrt(.3*.7/100 + .2*.8/100) = 0.060828; 1.96*se = 0.11922
    ci = proportion_difference(30, 100, 20, 100)
    assert abs(ci.estimate - 0.1) < 1e-12
    assert abs(ci.low - (0.1 - 0.119222)) < 1e-5
    assert abs(ci.high - (0.1 + 0.119222)) < 1e-5


def test_intervals_cover_the_true_difference_about_95_percent_of_the_time() -> None:
    rng = np.random.default_rng(7)
    trials, hits_p, hits_m = 400, 0, 0
    for _ in range(trials):
        t = rng.random(800) < 0.12
        c = rng.random(800) < 0.10
        hits_p += (
            proportion_difference(int(t.sum()), 800, int(c.sum()), 800).low
            <= 0.02
            <= proportion_difference(int(t.sum()), 800, int(c.sum()), 800).high
        )
        # Revenue: skewed (lognormal) spend among converters, true means known.
        rev_t = t * rng.lognormal(4.0, 1.0, 800)
        rev_c = c * rng.lognormal(4.0, 1.0, 800)
        true = (0.12 - 0.10) * np.exp(4.0 + 0.5)
        ci, _ = mean_difference(rev_t, rev_c)
        hits_m += ci.low <= true <= ci.high
    assert 0.91 <= hits_p / trials <= 0.99
    assert 0.90 <= hits_m / trials <= 0.99


def test_bootstrap_agrees_with_welch_on_a_large_sample() -> None:
    rng = np.random.default_rng(1)
    t, c = rng.normal(110, 30, 2000), rng.normal(100, 30, 2000)
    welch, _ = mean_difference(t, c)
    boot = bootstrap_mean_difference(t, c, resamples=1000)
    assert abs(welch.low - boot.low) < 0.5
    assert abs(welch.high - boot.high) < 0.5
    assert welch.excludes_zero
    assert boot.excludes_zero


def test_welch_interval_uses_the_t_quantile_of_scipy_stats_to_the_bit() -> None:
    """mean_difference reads the t quantile from scipy.special (scipy.stats is slow to
    import): the same numbers as scipy.stats.t.ppf, for small and huge groups."""
    from math import sqrt

    from scipy import stats

    rng = np.random.default_rng(11)
    for n_t, n_c in [(2, 2), (3, 40), (25, 7), (500, 800), (20_000, 3)]:
        treated = rng.lognormal(5, 1.5, n_t)
        control = rng.lognormal(5, 1.0, n_c)
        interval, se2 = mean_difference(treated, control)
        v_t = float(np.var(treated, ddof=1)) / n_t
        v_c = float(np.var(control, ddof=1)) / n_c
        dof = se2**2 / (v_t**2 / (n_t - 1) + v_c**2 / (n_c - 1))
        half = float(stats.t.ppf(0.975, dof)) * sqrt(se2)
        assert interval.low == interval.estimate - half
        assert interval.high == interval.estimate + half
