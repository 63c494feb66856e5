"""datavigil.stats.classification against published values, scikit-learn and brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm

from datavigil.stats import classification as cl


def test_newcombe_matches_his_published_example() -> None:
    # Newcombe (1998), Statistics in Medicine 17:873, table II, 56/70 - 48/80, method 10
    lo, hi = cl.newcombe(cl.wilson(56, 70), cl.wilson(48, 80))
    assert (round(lo, 4), round(hi, 4)) == (0.0524, 0.3339)


def test_wilson_matches_the_closed_form_and_its_ends() -> None:
    # Newcombe (1998) table I: 81/263 -> 0.2553 to 0.3662 (Wilson score, method 3)
    ci = cl.wilson(81, 263).ci
    assert (round(ci[0], 4), round(ci[1], 4)) == (0.2553, 0.3662)
    assert cl.wilson(0, 10).ci[0] == 0.0 and cl.wilson(10, 10).ci[1] == 1.0


def brute_delong(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    pos, neg = s[y], s[~y]
    psi = (pos[:, None] > neg[None, :]) + 0.5 * (pos[:, None] == neg[None, :])
    v10, v01 = psi.mean(axis=1), psi.mean(axis=0)
    var = v10.var(ddof=1) / len(pos) + v01.var(ddof=1) / len(neg)
    return float(psi.mean()), float(np.sqrt(var))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_auc_equals_sklearn_and_delong_equals_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    s = np.round(rng.random(300), 2)  # many ties
    y = rng.random(300) < s
    got = cl.auc(s, y)
    assert got.value == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12, rel=0)
    value, se = brute_delong(s, y)
    assert got.value == pytest.approx(value, abs=1e-12) and got.se == pytest.approx(se, rel=1e-10)


def test_brier_equals_sklearn_with_a_normal_interval() -> None:
    rng = np.random.default_rng(4)
    s = rng.random(500)
    y = rng.random(500) < s
    got = cl.brier(s, y)
    assert got.value == pytest.approx(skm.brier_score_loss(y, s), abs=1e-12, rel=0)
    err = (s - y) ** 2
    assert got.se == pytest.approx(err.std(ddof=1) / np.sqrt(500), rel=1e-12)
    assert got.ci[0] < got.value < got.ci[1]


def test_psi_is_zero_for_equal_bins_and_grows_with_a_shift() -> None:
    same = {"a": 10, "b": 30}
    assert cl.psi(same, {"a": 20, "b": 60}) == pytest.approx(0.0, abs=1e-15)
    assert cl.psi({"a": 30, "b": 10}, same) > 0.5


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.booleans()), min_size=2, max_size=60))
def test_auc_equals_sklearn_for_any_scores_with_ties(pairs) -> None:
    s = np.array([p[0] / 20 for p in pairs])
    y = np.array([p[1] for p in pairs])
    if y.all() or not y.any():
        return
    assert cl.auc(s, y).value == pytest.approx(skm.roc_auc_score(y, s), abs=1e-12, rel=0)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 500), st.integers(1, 500), st.data())
def test_intervals_hold_their_estimate(n_a, n_b, data) -> None:
    k_a, k_b = data.draw(st.integers(0, n_a)), data.draw(st.integers(0, n_b))
    a, b = cl.wilson(k_a, n_a), cl.wilson(k_b, n_b)
    assert 0 <= a.ci[0] <= a.value <= a.ci[1] <= 1
    lo, hi = cl.newcombe(a, b)
    assert -1 <= lo <= a.value - b.value <= hi <= 1
