"""Two classifiers judged on the same cases (issue 20 item 4, ADR 0134): pure, no I/O.

* McNemar's test of the discordant pairs b (first right, second wrong) and c: below
  EXACT_BELOW discordant pairs the mid-p binomial test (twice the smaller tail of
  Binomial(b + c, 1/2) less one point's probability: Fagerland, Lydersen & Laake 2013, BMC Med
  Res Methodol 13:91), else the continuity-corrected chi-square R's ``mcnemar.test`` reports,
  (|b - c| - 1)^2 / (b + c) on 1 df; the exact (conditional) p is kept too;
* the CI of the difference of paired proportions: Newcombe's square-and-add interval from the
  two Wilson intervals and the continuity-corrected phi (Newcombe 1998, Stat Med 17:2635, his
  method 10; Fagerland, Lydersen & Laake 2017, ch. 8);
* the difference of two correlated AUCs: DeLong, DeLong & Clarke-Pearson (1988, Biometrics
  44:837), the covariance of the two AUCs from each case's placement values, as
  ``pROC::roc.test(paired=TRUE, method="delong")`` computes it;
* the Pearson and Spearman correlations of the two score columns (information only).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from datavigil.stats import classification as cl

EXACT_BELOW = 25  # discordant pairs below which McNemar's p is the exact binomial one


@dataclass(frozen=True, slots=True)
class McNemar:
    b: int  # first right, second wrong
    c: int  # first wrong, second right
    statistic: float | None  # continuity-corrected chi-square (None: no discordant pair)
    p_chi2: float
    p_exact: float
    p_mid: float

    @property
    def exact(self) -> bool:
        return self.b + self.c < EXACT_BELOW

    @property
    def p_value(self) -> float:
        """The mid-p below EXACT_BELOW discordant pairs, else the chi-square's."""
        return self.p_mid if self.exact else self.p_chi2

    @property
    def method(self) -> str:
        if self.exact:
            return f"McNemar mid-p (binomial; {self.b + self.c} discordant pairs < {EXACT_BELOW})"
        return "McNemar chi-square with continuity correction (R mcnemar.test)"


def mcnemar(b: int, c: int) -> McNemar:
    from scipy import stats

    n = b + c
    if n == 0:
        return McNemar(b, c, None, 1.0, 1.0, 1.0)
    statistic = (abs(b - c) - 1) ** 2 / n if b != c else 0.0  # R: no correction when b == c
    p_chi2 = float(stats.chi2.sf(statistic, 1))
    tail, point = float(stats.binom.cdf(min(b, c), n, 0.5)), float(stats.binom.pmf(b, n, 0.5))
    p_exact = min(1.0, 2 * tail)
    p_mid = min(1.0, 2 * tail - point)  # b == c: exactly 1
    return McNemar(b, c, statistic, p_chi2, p_exact, p_mid)


def newcombe_paired(a: int, b: int, c: int, d: int, level: float = 0.95) -> tuple[float, float]:
    """CI of p1 - p2 = (b - c) / n for the paired table a (both successes), b (first only),
    c (second only), d (neither): Newcombe's method 10."""
    n = a + b + c + d
    p1, p2 = (a + b) / n, (a + c) / n
    w1, w2 = cl.wilson(a + b, n, level), cl.wilson(a + c, n, level)
    (l1, u1), (l2, u2) = w1.ci, w2.ci
    phi = _phi(a, b, c, d)
    lo = p1 - p2 - math.sqrt(max(0.0, (p1 - l1) ** 2 + (u2 - p2) ** 2
                                  - 2 * phi * (p1 - l1) * (u2 - p2)))  # fmt: skip
    hi = p1 - p2 + math.sqrt(max(0.0, (p2 - l2) ** 2 + (u1 - p1) ** 2
                                  - 2 * phi * (p2 - l2) * (u1 - p1)))  # fmt: skip
    return max(-1.0, lo), min(1.0, hi)


def _phi(a: int, b: int, c: int, d: int) -> float:
    """The correlation of the two successes with Newcombe's continuity correction: ad - bc
    reduced by n/2 when positive (0 when it is between 0 and n/2), 0 when a margin is empty."""
    n = a + b + c + d
    margins = (a + b) * (c + d) * (a + c) * (b + d)
    if margins == 0:
        return 0.0
    x = a * d - b * c
    num = x - n / 2 if x > n / 2 else (0.0 if x >= 0 else x)
    return num / math.sqrt(margins)


@dataclass(frozen=True, slots=True)
class PairedAuc:
    first: float
    second: float
    se: float  # of second - first
    n_pos: int
    n_neg: int

    @property
    def difference(self) -> float:
        return self.second - self.first

    def ci(self, level: float) -> tuple[float, float]:
        half = cl.z_of(level) * self.se
        return self.difference - half, self.difference + half

    @property
    def z(self) -> float | None:
        return self.difference / self.se if self.se > 0 else None

    @property
    def p_value(self) -> float | None:
        from scipy import special

        z = self.z
        return None if z is None else float(2 * special.ndtr(-abs(z)))


def delong_paired(first: Any, second: Any, positive: Any) -> PairedAuc:
    """The AUCs of two score arrays on the same cases and the standard error of their
    difference (both classes present): S10 and S01, the 2x2 covariances of the placement values
    over the positives and over the negatives; var(A2 - A1) = (S10_11 + S10_22 - 2 S10_12) / m
    + (S01_11 + S01_22 - 2 S01_12) / n (DeLong et al. 1988, eqs. 2-5)."""
    import numpy as np

    m, n = int(positive.sum()), int((~positive).sum())
    v10, v01 = [], []
    for s in (first, second):
        a, b = cl._placements(s[positive], s[~positive])
        v10.append(a)
        v01.append(b)
    var = _contrast(np.asarray(v10), m) + _contrast(np.asarray(v01), n)
    auc1, auc2 = float(np.mean(v10[0])), float(np.mean(v10[1]))
    return PairedAuc(auc1, auc2, math.sqrt(max(0.0, var)), m, n)


def _contrast(v: Any, k: int) -> float:
    """var(row 2 - row 1) of the placement values over ``k`` cases, divided by ``k``."""
    import numpy as np

    if k < 2:
        return 0.0
    s = np.cov(v, ddof=1)
    return float(s[0, 0] + s[1, 1] - 2 * s[0, 1]) / k


def correlations(first: Any, second: Any) -> tuple[float | None, float | None]:
    """Pearson's and Spearman's correlation of the two scores (None: fewer than 3 pairs or a
    constant column)."""
    import numpy as np
    from scipy import stats

    if len(first) < 3 or np.ptp(first) == 0 or np.ptp(second) == 0:
        return None, None
    pearson = float(np.corrcoef(first, second)[0, 1])
    spearman = float(stats.spearmanr(first, second).statistic)
    return pearson, spearman
