"""BG/NBD (Fader, Hardie & Lee 2005): purchases follow a Poisson process with gamma(r, α)
rates while alive; after each purchase a customer drops out with probability p ~ beta(a, b).

Inputs per customer: x repeat purchases, t_x time of the last one and T age, both measured
from the first purchase in the model's time unit (weeks in the published CDNOW fit).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import minimize
from scipy.special import betaln, gammaln, hyp2f1

from siyu.analytics.clv.summary import Summary, compress, distinct_rows

Array = NDArray[np.float64]


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float


def _terms(p: BgNbdParams, x: Array, t_x: Array, T: Array) -> tuple[Array, Array]:
    """log of the "still alive" and "dropped after the last purchase" likelihood parts (the
    latter -inf when x = 0, where b + x - 1 may be negative)."""
    base = (
        gammaln(p.r + x)
        - gammaln(p.r)
        + p.r * np.log(p.alpha)
        + betaln(p.a, p.b + x)
        - betaln(p.a, p.b)
    )
    alive = base - (p.r + x) * np.log(p.alpha + T)
    repeat = x > 0
    safe_bx = np.where(repeat, p.b + x - 1, 1.0)
    # B(a+1, b+x-1) / B(a, b+x) = a / (b+x-1)
    dropped = base + np.log(p.a) - np.log(safe_bx) - (p.r + x) * np.log(p.alpha + t_x)
    return alive, np.where(repeat, dropped, -np.inf)


def log_likelihood(p: BgNbdParams, x: Array, t_x: Array, T: Array) -> Array:
    """Per-customer log-likelihood."""
    alive, dropped = _terms(p, x, t_x, T)
    return np.logaddexp(alive, dropped)


class _Factored:
    """log_likelihood for fixed (x, t_x, T) rows, to the bit, with each costly term
    computed once per distinct value: x takes a few dozen values and t_x and T one per
    day of history, while the rows (distinct triples) are 150k at 200k customers. The
    special functions (gammaln, betaln: ~0.3 µs an element) per row were 60 ms an
    evaluation and the fit ~9 s; each term here is the same operation on the same
    operands, in the same order, as in ``_terms``."""

    def __init__(self, x: Array, t_x: Array, T: Array) -> None:
        self.x, self.ix = _distinct(x)
        self.t_x, self.it = _distinct(t_x)
        self.T, self.iT = _distinct(T)
        self.repeat = x > 0

    def __call__(self, p: BgNbdParams) -> Array:
        x = self.x
        base = (
            gammaln(p.r + x)
            - gammaln(p.r)
            + p.r * np.log(p.alpha)
            + betaln(p.a, p.b + x)
            - betaln(p.a, p.b)
        )
        rx = p.r + x
        safe_bx = np.where(x > 0, p.b + x - 1, 1.0)
        base_x, rx_x = base[self.ix], rx[self.ix]
        alive = base_x - rx_x * np.log(p.alpha + self.T)[self.iT]
        dropped = (
            base_x
            + np.log(p.a)
            - np.log(safe_bx)[self.ix]
            - rx_x * np.log(p.alpha + self.t_x)[self.it]
        )
        return np.asarray(
            np.logaddexp(alive, np.where(self.repeat, dropped, -np.inf)), dtype=np.float64
        )


def _distinct(values: Array) -> tuple[Array, NDArray[np.intp]]:
    unique, inverse = np.unique(values, return_inverse=True)
    return unique, inverse.reshape(-1)


def fit(summary: Summary, *, penalizer: float = 0.0) -> BgNbdParams:
    """Maximum likelihood on log-parameters (keeps all four positive without bounds).
    Identical (x, t_x, T) rows are fitted once with a weight, which is what makes a
    million customers cheap: their ages repeat."""
    x, t_x, T, weight = compress(summary.x, summary.t_x, summary.T)
    total = float(weight.sum())
    likelihood = _Factored(x, t_x, T)

    def objective(theta: Array) -> float:
        p = BgNbdParams(*np.exp(theta))
        ll = float(np.dot(weight, likelihood(p)))
        return -ll / total + penalizer * float(np.sum(np.exp(theta) ** 2))

    start = np.log(np.array([1.0, max(float(np.mean(summary.T)), 1e-3), 1.0, 1.0]))
    # L-BFGS-B from a neutral start converges in ~30 iterations on CDNOW and on a million
    # simulated customers; Nelder-Mead (robust, but ~10x the evaluations) only as a fallback.
    result = minimize(objective, start, method="L-BFGS-B", options=_LBFGS_OPTIONS)
    if not result.success:
        fallback = minimize(objective, result.x, method="Nelder-Mead", options=_NM_OPTIONS)
        result = fallback if fallback.fun < result.fun else result
    best = result.x
    return BgNbdParams(*(float(v) for v in np.exp(best)))


_NM_OPTIONS = {"maxiter": 4000, "xatol": 1e-7, "fatol": 1e-10}
# The objective is the mean log-likelihood, so tolerances are per customer: tight enough
# to land on the published CDNOW values to the last printed digit.
_LBFGS_OPTIONS = {"ftol": 1e-14, "gtol": 1e-9, "maxiter": 1000}


def _alive_odds(p: BgNbdParams, x: Array, t_x: Array, T: Array) -> Array:
    """The odds term of P(alive): a/(b+x-1) · ((α+T)/(α+t_x))^(r+x) for x > 0, else 0."""
    repeat = x > 0
    safe_bx = np.where(repeat, p.b + x - 1, 1.0)
    log_odds = np.log(p.a) - np.log(safe_bx) + (p.r + x) * np.log((p.alpha + T) / (p.alpha + t_x))
    return np.where(repeat, np.exp(np.minimum(log_odds, 700.0)), 0.0)


def probability_alive(p: BgNbdParams, x: Array, t_x: Array, T: Array) -> Array:
    """P(the customer has not dropped out) given their history; 1 - this is churn risk."""
    return np.asarray(1.0 / (1.0 + _alive_odds(p, x, t_x, T)), dtype=np.float64)


def expected_purchases(p: BgNbdParams, t: float, x: Array, t_x: Array, T: Array) -> Array:
    """E[purchases in the next t time units | history] (FHL 2005, eq. 10)."""
    return expected_purchases_at(p, (t,), x, t_x, T)[0]


def expected_purchases_at(
    p: BgNbdParams, ts: tuple[float, ...], x: Array, t_x: Array, T: Array
) -> list[Array]:
    """``expected_purchases`` for each horizon in ``ts``, sharing what does not depend on
    the horizon (the distinct (x, T) rows and the alive odds): a 12-month CLV at a million
    customers sorted them 12 times (5.3 s)."""
    head = (p.a + p.b + x - 1) / (p.a - 1)
    # hyp2f1 (~0.4 µs an element) once per distinct (x, T): a few per cent of customers.
    rows, groups = distinct_rows(x, T)
    xs, Ts = x[rows], T[rows]
    alive = 1.0 + _alive_odds(p, x, t_x, T)
    found = []
    for t in ts:
        z = t / (p.alpha + Ts + t)
        gauss = hyp2f1(p.r + xs, p.b + xs, p.a + p.b + xs - 1, z)
        tail = (1.0 - ((p.alpha + Ts) / (p.alpha + Ts + t)) ** (p.r + xs) * gauss)[groups]
        found.append(np.asarray(head * tail / alive, dtype=np.float64))
    return found


def expected_purchases_new(p: BgNbdParams, t: float) -> float:
    """E[repeat purchases by time t] for a customer just acquired (FHL 2005, eq. 9)."""
    z = t / (p.alpha + t)
    head = (p.a + p.b - 1) / (p.a - 1)
    return float(
        head * (1.0 - (p.alpha / (p.alpha + t)) ** p.r * hyp2f1(p.r, p.b, p.a + p.b - 1, z))
    )
