"""The CLV fit's fast paths give the straightforward formulas' numbers to the bit: rows
compressed as np.unique(axis=0) does, the likelihoods computed once per distinct value,
hyp2f1 once per distinct (x, T). Same numbers, so the same fit: the published CDNOW
values (test_clv_cdnow.py) and the page's figures do not move."""

from __future__ import annotations

import numpy as np
from scipy.special import hyp2f1

from siyu.analytics.clv import bgnbd, gammagamma
from siyu.analytics.clv.summary import compress

RNG = np.random.default_rng(20)


def _histories(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x = RNG.integers(0, 12, n).astype(np.float64)
    T = RNG.integers(1, 700, n) / 7.0
    t_x = np.where(x > 0, np.floor(RNG.random(n) * T * 7) / 7.0, 0.0)
    m = np.where(x > 0, np.round(RNG.lognormal(8, 1, n), 1), 0.0)
    return x, t_x, T, m


def test_compress_is_numpys_row_unique() -> None:
    x, t_x, T, _ = _histories(20_000)
    unique, weight = np.unique(np.column_stack((x, t_x, T)), axis=0, return_counts=True)
    ours = compress(x, t_x, T)
    for i in range(3):
        assert ours[i].tobytes() == unique[:, i].tobytes()
    assert ours[3].tobytes() == weight.astype(np.float64).tobytes()
    assert all(len(c) == 0 for c in compress(np.zeros(0), np.zeros(0)))


def test_bgnbd_likelihood_per_distinct_value_is_the_per_row_one() -> None:
    x, t_x, T, _ = _histories(30_000)
    x, t_x, T, _w = compress(x, t_x, T)
    for p in [bgnbd.BgNbdParams(0.24, 4.4, 0.79, 2.4), bgnbd.BgNbdParams(3.0, 0.2, 5.0, 0.3)]:
        expected = bgnbd.log_likelihood(p, x, t_x, T)
        assert bgnbd._Factored(x, t_x, T)(p).tobytes() == expected.tobytes()


def test_gamma_gamma_likelihood_per_distinct_value_is_the_per_row_one() -> None:
    x, _, _, m = _histories(30_000)
    keep = x > 0
    xs, ms, _w = compress(x[keep], m[keep])
    for g in [
        gammagamma.GammaGammaParams(6.25, 3.74, 15.45),
        gammagamma.GammaGammaParams(1, 9, 900),
    ]:
        expected = gammagamma.log_likelihood(g, xs, ms)
        assert gammagamma._Factored(xs, ms)(g).tobytes() == expected.tobytes()


def test_expected_purchases_with_hyp2f1_per_distinct_history_is_the_formula() -> None:
    x, t_x, T, _ = _histories(30_000)
    p = bgnbd.BgNbdParams(0.24, 4.4, 0.79, 2.4)
    together = bgnbd.expected_purchases_at(p, (4.0, 39.0), x, t_x, T)  # CLV's many horizons
    for k, t in enumerate((4.0, 39.0)):
        z = t / (p.alpha + T + t)
        head = (p.a + p.b + x - 1) / (p.a - 1)
        tail = 1.0 - ((p.alpha + T) / (p.alpha + T + t)) ** (p.r + x) * hyp2f1(
            p.r + x, p.b + x, p.a + p.b + x - 1, z
        )
        formula = head * tail / (1.0 + bgnbd._alive_odds(p, x, t_x, T))
        assert bgnbd.expected_purchases(p, t, x, t_x, T).tobytes() == formula.tobytes()
        assert together[k].tobytes() == formula.tobytes()
