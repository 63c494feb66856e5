"""The tests of means and variances (docs/adr/0010, 0080): from group moments (``sufficient``) the
two-sample t-test (Welch's or Student's), the one-way ANOVA (classic F and Welch's) and Bartlett's
test; from raw values Brown-Forsythe, Mann-Whitney and Kruskal-Wallis. scipy's semantics, scipy
imported inside the functions (importing this module costs nothing at DAG-parse time).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from datavigil.stats.sufficient import Moments, common_scale, merge_all


@dataclass(frozen=True, slots=True)
class TestResult:
    """A test statistic with its degrees of freedom and two-sided p-value."""

    test: str
    statistic: float
    df: tuple[float, ...]
    p_value: float


def ttest(a: Moments, b: Moments, equal_var: bool = False) -> TestResult:
    """Two-sample t-test (Welch by default), ``scipy.stats.ttest_ind_from_stats`` semantics.
    A side with zero variance is allowed (Welch then tests the other side against a constant)."""
    from scipy import special

    a, b = common_scale([a, b])
    va, vb = a.m2 / (a.n - 1), b.m2 / (b.n - 1)
    if equal_var:
        df = float(a.n + b.n - 2)
        se2 = (a.m2 + b.m2) / df * (1 / a.n + 1 / b.n)
    else:
        qa, qb = va / a.n, vb / b.n
        se2 = qa + qb
        df = se2 * se2 / (qa * qa / (a.n - 1) + qb * qb / (b.n - 1))
    t = (a.mean - b.mean) / math.sqrt(se2) if se2 > 0 else math.nan
    p = float(2 * special.stdtr(df, -abs(t)))
    return TestResult("student_t" if equal_var else "welch_t", t, (df,), p)


@dataclass(frozen=True, slots=True)
class AnovaParts:
    """The classic one-way decomposition: between and within sums of squares."""

    k: int
    n: int
    ss_between: float
    ss_within: float

    @property
    def df(self) -> tuple[float, float]:
        return float(self.k - 1), float(self.n - self.k)

    @property
    def f(self) -> float:
        df1, df2 = self.df
        return (self.ss_between / df1) / (self.ss_within / df2)


def anova_parts(groups: Sequence[Moments]) -> AnovaParts:
    """Sums of squares in the groups' common unit (ratios of them are unit-free)."""
    groups = common_scale(groups)
    grand = merge_all(groups)
    ss_between = sum(g.n * (g.mean - grand.mean) ** 2 for g in groups)
    ss_within = sum(g.m2 for g in groups)
    return AnovaParts(k=len(groups), n=grand.n, ss_between=ss_between, ss_within=ss_within)


def anova(groups: Sequence[Moments]) -> TestResult:
    """One-way ANOVA F with scipy.stats.f_oneway semantics, from group moments."""
    from scipy import special

    parts = anova_parts(groups)
    df1, df2 = parts.df
    f = parts.f
    return TestResult("anova_f", f, (df1, df2), float(special.fdtrc(df1, df2, f)))


def welch_anova(groups: Sequence[Moments]) -> TestResult:
    """Welch's heteroscedastic one-way ANOVA (Welch 1951), from group moments (variances > 0)."""
    from scipy import special

    groups = common_scale(groups)
    k = len(groups)
    w = [g.n * (g.n - 1) / g.m2 for g in groups]
    wsum = sum(w)
    mean_w = sum(wi * g.mean for wi, g in zip(w, groups, strict=True)) / wsum
    a = sum(wi * (g.mean - mean_w) ** 2 for wi, g in zip(w, groups, strict=True)) / (k - 1)
    tmp = sum((1 - wi / wsum) ** 2 / (g.n - 1) for wi, g in zip(w, groups, strict=True))
    b = 1 + 2 * (k - 2) / (k * k - 1) * tmp
    f = a / b
    df1, df2 = float(k - 1), (k * k - 1) / (3 * tmp)
    return TestResult("welch_anova", f, (df1, df2), float(special.fdtrc(df1, df2, f)))


def bartlett(groups: Sequence[Moments]) -> TestResult:
    """Bartlett's test of equal variances from group moments (scipy.stats.bartlett)."""
    from scipy import special

    groups = common_scale(groups)
    k = len(groups)
    n = sum(g.n for g in groups)
    pooled = sum(g.m2 for g in groups) / (n - k)
    num = (n - k) * math.log(pooled) - sum((g.n - 1) * math.log(g.m2 / (g.n - 1)) for g in groups)
    corr = 1 + (sum(1 / (g.n - 1) for g in groups) - 1 / (n - k)) / (3 * (k - 1))
    t = max(0.0, num / corr)  # >= 0 in exact arithmetic; rounding can give -1e-14
    return TestResult("bartlett", t, (float(k - 1),), float(special.chdtrc(k - 1, t)))


def brown_forsythe(samples: Sequence[Any]) -> TestResult:
    """Levene's test centred on the median (Brown-Forsythe); needs raw values."""
    from scipy import stats

    res = stats.levene(*samples, center="median")
    n, k = sum(len(s) for s in samples), len(samples)
    return TestResult(
        "brown_forsythe", float(res.statistic), (k - 1.0, n - k + 0.0), float(res.pvalue)
    )


def mann_whitney(a: Any, b: Any) -> TestResult:
    from scipy import stats

    res = stats.mannwhitneyu(a, b, alternative="two-sided")
    return TestResult("mann_whitney_u", float(res.statistic), (), float(res.pvalue))


def kruskal(samples: Sequence[Any]) -> TestResult:
    from scipy import stats

    res = stats.kruskal(*samples)
    return TestResult(
        "kruskal_wallis", float(res.statistic), (len(samples) - 1.0,), float(res.pvalue)
    )


def clearly_non_normal(m: Moments, skew_limit: float = 1.0, kurt_limit: float = 3.0) -> bool:
    """A screen from moments: |skewness| > 1 or |excess kurtosis| > 3 is "clearly non-normal"
    (kept for the old checks; the procedures record skew and kurtosis as information only)."""
    return abs(m.skew) > skew_limit or abs(m.kurtosis) > kurt_limit
