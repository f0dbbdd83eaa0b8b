"""BG/NBD and Gamma-Gamma against the published CDNOW fits (Fader, Hardie & Lee 2005).

The data are the CDNOW files shipped inside the ``lifetimes`` wheel (a dev dependency used
only for them; the package itself is never imported): the 2,357-customer sample of the
1997 Q1 cohort, 39-week calibration to 1997-09-30 and 39-week holdout to 1998-06-30.
"""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from siyu.analytics.clv import bgnbd, gammagamma
from siyu.analytics.clv.summary import Summary, summarise
from siyu.analytics.clv.value import customer_lifetime_value

spec = importlib.util.find_spec("lifetimes")
if spec is None or not spec.submodule_search_locations:
    pytest.skip(
        "lifetimes (dev dependency, for the CDNOW data) is not installed", allow_module_level=True
    )
DATA = Path(next(iter(spec.submodule_search_locations))) / "datasets"
EPOCH = date(1997, 1, 1)
CALIBRATION_END = (date(1997, 9, 30) - EPOCH).days
HOLDOUT_END = (date(1998, 6, 30) - EPOCH).days


def _transactions() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    raw = np.loadtxt(DATA / "CDNOW_sample.txt")
    ymd = raw[:, 2].astype(np.int64)
    days = np.array(
        [(date(int(v // 10000), int(v // 100 % 100), int(v % 100)) - EPOCH).days for v in ymd],
        dtype=np.int64,
    )
    return raw[:, 0].astype(np.int64), days, raw[:, 4]


def test_bgnbd_reproduces_the_published_fit_from_the_published_summary() -> None:
    a = np.genfromtxt(DATA / "cdnow_customers_summary.csv", delimiter=",", skip_header=1)
    summary = Summary(a[:, 0].astype(np.int64), a[:, 1], a[:, 2], a[:, 3], np.zeros(len(a)))
    p = bgnbd.fit(summary)
    assert (round(p.r, 3), round(p.alpha, 2), round(p.a, 2), round(p.b, 2)) == (
        0.243,
        4.41,
        0.79,
        2.43,
    )


def test_bgnbd_fit_from_raw_transactions_and_holdout_error() -> None:
    """Summaries built by our own code from the transactions give the same fit; the holdout
    error is printed for the closing note (pytest -s) and bounded here."""
    cid, days, value = _transactions()
    cal = summarise(cid, days, value, end_day=CALIBRATION_END)
    assert (len(cal.x), int(cal.x.sum())) == (2357, 2457)
    p = bgnbd.fit(cal)
    assert abs(p.r - 0.243) < 0.002
    assert abs(p.alpha - 4.414) < 0.02
    assert abs(p.a - 0.793) < 0.005
    assert abs(p.b - 2.426) < 0.02
    full = summarise(cid, days, value, end_day=HOLDOUT_END)
    actual = full.x - cal.x
    predicted = bgnbd.expected_purchases(p, 39.0, cal.x, cal.t_x, cal.T)
    total_error = (predicted.sum() - actual.sum()) / actual.sum()
    mae = float(np.abs(predicted - actual).mean())
    assert abs(total_error) < 0.15
    assert mae < 0.85
    # In-sample check: the model's expected repeat purchases over each customer's own age add
    # up to the calibration count (FHL 2005, fig. 1 tracks the same quantity by week).
    fitted = sum(bgnbd.expected_purchases_new(p, float(age)) for age in cal.T)
    assert abs(fitted / cal.x.sum() - 1) < 0.03


def test_gamma_gamma_reproduces_the_published_fit() -> None:
    a = np.genfromtxt(
        DATA / "cdnow_customers_summary_with_transactions.csv", delimiter=",", skip_header=1
    )
    g = gammagamma.fit(a[:, 1], a[:, 4])
    assert (round(g.p, 2), round(g.q, 2), round(g.v, 2)) == (6.25, 3.74, 15.45)
    expected = gammagamma.expected_average_value(g, a[:, 1], a[:, 4])
    repeaters = a[:, 1] > 0
    # Shrinks each customer's mean toward the population mean p·v/(q-1) ≈ 35.
    assert abs(expected[repeaters].mean() - a[repeaters, 4].mean()) < 2.0


def test_p_alive_and_clv_behave() -> None:
    p = bgnbd.BgNbdParams(0.243, 4.414, 0.793, 2.426)
    g = gammagamma.GammaGammaParams(6.25, 3.74, 15.45)
    x = np.array([0.0, 2.0, 2.0])
    t_x = np.array([0.0, 30.0, 5.0])
    T = np.array([38.0, 38.0, 38.0])
    alive = bgnbd.probability_alive(p, x, t_x, T)
    assert alive[0] == 1.0  # no repeat purchase: the model cannot have seen a dropout
    assert alive[1] > alive[2]  # a recent buyer is more likely alive than a lapsed one
    summary = Summary(np.arange(3), x, t_x, T, np.array([0.0, 20.0, 20.0]))
    clv = customer_lifetime_value(p, g, summary, months=12, monthly_discount=0.01)
    assert clv[1] > clv[2] > 0
    undiscounted = customer_lifetime_value(p, g, summary, months=12, monthly_discount=0.0)
    assert np.all(undiscounted >= clv)
