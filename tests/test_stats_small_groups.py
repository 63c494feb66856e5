"""Small groups of skewed data (issue 17, item 7; ADR 0125, 0133): with a group of at most
``SMALL_GROUP`` values and its raw values at hand, Welch's t and Welch's ANOVA report the larger
of the permutation p-value and the t/F approximation's, and strongly skewed groups of at most 30
(200 since ADR 0144; a group of at most 10 is inconclusive whatever its values) are
inconclusive: no cell alarms above alpha where the approximation alone gave 2-3 x alpha
(lognormal 10 vs 1,000; 8 groups of 10 or 30). A bounded simulation of the product's
procedures (benchmarks/distribution_sim.py) with a fixed seed."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.distribution_sim import Cell, run_cell
from datavigil.stats import permutation, procedures
from datavigil.stats.sufficient import Moments

NIGHTS = 500  # Monte Carlo SE of a 5% rate: 0.0097; the band below is about +-2 SE


@pytest.mark.parametrize(
    "cell",
    [
        Cell("null", "lognormal", (10, 1000)),
        Cell("null", "lognormal", (10,) * 8),
        Cell("null", "lognormal", (30,) * 8),
        Cell("null", "t3", (10, 1000)),
    ],
    ids=["ln_10_vs_1000", "ln_k8_n10", "ln_k8_n30", "t3_10_vs_1000"],
)
def test_skewed_small_groups_never_alarm_above_alpha(cell):
    r = run_cell((cell, NIGHTS, 17))
    assert r["p05"] <= 0.07 and r["p01"] <= 0.02, r


def _groups(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.gamma(9, 1, 12), rng.gamma(9, 1, 800)  # skewness 2/3: judged


def test_the_permutation_test_is_deterministic_and_says_so():
    a, b = _groups(1)
    runs = [
        procedures.two_sample(Moments.of(a), Moments.of(b), raw=(a, b), key="x.mean")
        for _ in range(2)
    ]
    assert runs[0].p_value == runs[1].p_value  # a re-run reproduces the verdict
    shuffled = procedures.two_sample(
        Moments.of(a), Moments.of(b), raw=(a[::-1], b[::-1]), key="x.mean"
    )
    assert shuffled.p_value == runs[0].p_value  # row order does not matter
    d = runs[0].details()
    assert d["test"] == "welch_t_permutation" and "permutation p-value" in d["why"]
    assert d["permutation"]["pooled"] == {"current": 12, "reference": 800}
    assert 0 < d["permutation"]["permutations"] <= permutation.PERMUTATIONS


def test_large_groups_and_missing_raw_values_keep_welch():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=500), rng.normal(size=500)
    big = procedures.two_sample(Moments.of(a), Moments.of(b), raw=(a, b))
    assert big.details()["test"] == "welch_t" and "permutation" not in big.details()
    small = procedures.two_sample(Moments.of(a[:12]), Moments.of(b))
    assert small.details()["test"] == "welch_t"
    assert "no raw values" in small.details()["permutation"]["skipped"]


def test_a_clear_shift_in_a_small_group_is_significant():
    rng = np.random.default_rng(3)
    a, b = rng.normal(3, 1, 12), rng.normal(0, 1, 800)
    choice = procedures.two_sample(Moments.of(a), Moments.of(b), raw=(a, b), key="k")
    assert choice.p_value is not None and choice.p_value < 0.001
    groups = {f"g{i}": np.random.default_rng(i).normal(i, 1, 12) for i in range(4)}
    k = procedures.k_sample({g: Moments.of(x) for g, x in groups.items()}, raw=groups, key="k")
    assert k.details()["test"] == "welch_anova_permutation" and k.p_value < 0.001


def test_huge_values_do_not_overflow_the_permutations():
    rng = np.random.default_rng(4)
    a, b = 1e200 * rng.gamma(9, 1, 12), 1e200 * rng.gamma(9, 1, 13)
    small = procedures.two_sample(Moments.of(a), Moments.of(b), raw=(a, b), key="big")
    base = procedures.two_sample(Moments.of(a / 1e200), Moments.of(b / 1e200),
                                 raw=(a / 1e200, b / 1e200), key="big")  # fmt: skip
    assert small.problem is None and 0 < small.p_value <= 1
    assert small.test.statistic == pytest.approx(base.test.statistic, rel=1e-9)
