"""The paired statistics of Challenger (issue 20 item 4, ADR 0134) against references computed
here independently, to 1e-9: McNemar by the closed forms (R's ``mcnemar.test`` and its
documented example), Newcombe's paired interval from Wilson limits found as the roots of the
score quadratic, and DeLong's paired AUC test from the explicit O(mn) kernel of DeLong et al.
(1988), as ``pROC::roc.test(paired=TRUE, method="delong")`` computes it. R is not installed
here: the R example's printed digits are the only R output quoted."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from datavigil.stats import paired


def test_mcnemar_matches_the_r_documentation_example() -> None:
    # ?mcnemar.test, Agresti (1990) p. 350, presidential approval: 794, 150 / 86, 570
    # R prints: McNemar's chi-squared = 16.818, df = 1, p-value = 4.115e-05
    got = paired.mcnemar(150, 86)
    assert got.statistic == pytest.approx(16.818, abs=5e-4)
    assert got.p_chi2 == pytest.approx(4.115e-05, rel=5e-4)
    assert got.statistic == pytest.approx(63**2 / 236, abs=1e-12)
    # chi-square on 1 df: P(Z^2 > x) = erfc(sqrt(x / 2))
    assert got.p_chi2 == pytest.approx(math.erfc(math.sqrt(got.statistic / 2)), abs=1e-12)
    assert not got.exact and got.p_value == got.p_chi2


@pytest.mark.parametrize(("b", "c"), [(0, 1), (3, 9), (7, 7), (12, 3), (0, 24), (1, 0)])
def test_mcnemar_exact_and_mid_p_by_direct_sums(b: int, c: int) -> None:
    n, k = b + c, min(b, c)
    pmf = [math.comb(n, i) / 2**n for i in range(n + 1)]
    exact = min(1.0, 2 * sum(pmf[: k + 1]))
    mid = min(1.0, 2 * sum(pmf[:k]) + pmf[k])
    got = paired.mcnemar(b, c)
    assert got.exact and got.p_exact == pytest.approx(exact, abs=1e-12)
    assert got.p_mid == pytest.approx(mid, abs=1e-12) and got.p_value == got.p_mid
    chi = (abs(b - c) - 1) ** 2 / n if b != c else 0.0
    assert got.p_chi2 == pytest.approx(stats.chi2.sf(chi, 1), abs=1e-12)


def test_mcnemar_without_discordant_pairs_is_p_one() -> None:
    got = paired.mcnemar(0, 0)
    assert got.statistic is None and got.p_value == 1.0


def _wilson_roots(k: int, n: int, z: float) -> tuple[float, float]:
    """The two roots in p of (k/n - p)^2 = z^2 p (1 - p) / n."""
    ph = k / n
    a, bq, cq = 1 + z * z / n, -(2 * ph + z * z / n), ph * ph
    disc = math.sqrt(bq * bq - 4 * a * cq)
    return (-bq - disc) / (2 * a), (-bq + disc) / (2 * a)


def _newcombe10(a: int, b: int, c: int, d: int, level: float) -> tuple[float, float]:
    n = a + b + c + d
    z = stats.norm.ppf(0.5 + level / 2)
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = _wilson_roots(a + b, n, z)
    l2, u2 = _wilson_roots(a + c, n, z)
    x = a * d - b * c
    cc = max(x - n / 2, 0) if x > 0 else x  # Newcombe's continuity-corrected numerator
    den = (a + b) * (c + d) * (a + c) * (b + d)
    phi = cc / math.sqrt(den) if den else 0.0
    dl1, du1, dl2, du2 = p1 - l1, u1 - p1, p2 - l2, u2 - p2
    lo = p1 - p2 - math.sqrt(dl1**2 - 2 * phi * dl1 * du2 + du2**2)
    hi = p1 - p2 + math.sqrt(du1**2 - 2 * phi * du1 * dl2 + dl2**2)
    return lo, hi


@pytest.mark.parametrize(
    "table", [(794, 150, 86, 570), (36, 12, 2, 0), (20, 3, 9, 68), (5, 0, 0, 5), (1, 1, 7, 12)]
)
@pytest.mark.parametrize("level", [0.9, 0.95])
def test_newcombe_paired_interval_by_quadratic_roots(table: tuple, level: float) -> None:
    got = paired.newcombe_paired(*table, level=level)
    want = _newcombe10(*table, level)
    assert got == pytest.approx(want, abs=1e-9)


def _delong_explicit(x1: np.ndarray, x2: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """AUCs and the variance of their difference by the kernel psi(X, Y) = 1, 1/2, 0 over every
    (positive, negative) pair: V10 per positive, V01 per negative (DeLong et al. 1988, eq. 3)."""
    pos, neg = y, ~y
    m, n = pos.sum(), neg.sum()
    v10, v01, aucs = [], [], []
    for s in (x1, x2):
        psi = (s[pos][:, None] > s[neg][None, :]) + 0.5 * (s[pos][:, None] == s[neg][None, :])
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
        aucs.append(psi.mean())
    s10 = np.cov(np.vstack(v10))
    s01 = np.cov(np.vstack(v01))
    c = np.array([-1.0, 1.0])  # second - first
    var = c @ s10 @ c / m + c @ s01 @ c / n
    return aucs[0], aucs[1], float(var)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_delong_paired_matches_the_explicit_kernel(seed: int) -> None:
    rng = np.random.default_rng(seed)
    y = rng.random(300) < 0.3
    signal = rng.normal(size=300) + 1.2 * y
    x1 = np.round(signal + rng.normal(size=300), 1)  # rounded: ties across classes
    x2 = np.round(0.6 * signal + rng.normal(size=300) + 0.5 * x1, 1)
    a1, a2, var = _delong_explicit(x1, x2, y)
    got = paired.delong_paired(x1, x2, y)
    assert (got.first, got.second) == pytest.approx((a1, a2), abs=1e-12)
    assert got.se == pytest.approx(math.sqrt(var), abs=1e-9)
    z = (a2 - a1) / math.sqrt(var)
    assert got.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), abs=1e-9)
    lo, hi = got.ci(0.9)
    half = stats.norm.ppf(0.95) * math.sqrt(var)
    assert (lo, hi) == pytest.approx((a2 - a1 - half, a2 - a1 + half), abs=1e-9)


def test_delong_identical_scores_have_no_difference() -> None:
    rng = np.random.default_rng(0)
    y = rng.random(50) < 0.5
    x = rng.normal(size=50) + y
    got = paired.delong_paired(x, x.copy(), y)
    assert got.difference == 0.0 and got.se == 0.0 and got.p_value is None


def test_correlations_match_scipy_and_refuse_constants() -> None:
    rng = np.random.default_rng(4)
    a = rng.normal(size=40)
    b = a + rng.normal(size=40)
    pearson, spearman = paired.correlations(a, b)
    assert pearson == pytest.approx(stats.pearsonr(a, b).statistic, abs=1e-12)
    assert spearman == pytest.approx(stats.spearmanr(a, b).statistic, abs=1e-12)
    assert paired.correlations(a, np.zeros(40)) == (None, None)
