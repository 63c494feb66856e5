"""Sufficient statistics and the tests computed from them (docs/adr/0010).

``Moments`` holds n, mean and the central sums M2, M3, M4 of one column (or one group), merged
chunk by chunk with the parallel formulas of Chan et al. (1979) and Pébay (2008), so a partition
is read once and a reference is kept as a few numbers. The two-sample t-test, the one-way ANOVA
(classic F and Welch's), Bartlett's test and the skewness/kurtosis screen need nothing else.
Tests that need raw values (Brown-Forsythe, Mann-Whitney, Kruskal-Wallis) take them as arguments.

scipy is imported inside the functions: importing this module costs nothing at DAG-parse time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Moments:
    """n, mean and central sums of powers of deviations (M2 = sum (x - mean)^2, ...)."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0
    min: float = math.inf
    max: float = -math.inf

    @classmethod
    def of(cls, values: Any) -> Moments:
        """One pass over finite values (a numpy array or a sequence)."""
        import numpy as np

        x = np.asarray(values, dtype=np.float64)
        if x.size == 0:
            return cls()
        mean = float(x.mean())
        mean += float((x - mean).mean())  # one refinement step: the mean to the last bit
        d = x - mean
        d2 = d * d
        return cls(
            n=int(x.size),
            mean=mean,
            m2=float(d2.sum()),
            m3=float((d2 * d).sum()),
            m4=float((d2 * d2).sum()),
            min=float(x.min()),
            max=float(x.max()),
        )

    def merge(self, other: Moments) -> Moments:
        """The moments of the union of both samples (Pébay 2008, eqs. 2.1-2.4)."""
        if other.n == 0:
            return self
        if self.n == 0:
            return other
        na, nb = self.n, other.n
        n = na + nb
        d = other.mean - self.mean
        m2 = self.m2 + other.m2 + d * d * na * nb / n
        m3 = (
            self.m3
            + other.m3
            + d**3 * na * nb * (na - nb) / n**2
            + 3 * d * (na * other.m2 - nb * self.m2) / n
        )
        m4 = (
            self.m4
            + other.m4
            + d**4 * na * nb * (na * na - na * nb + nb * nb) / n**3
            + 6 * d * d * (na * na * other.m2 + nb * nb * self.m2) / n**2
            + 4 * d * (na * other.m3 - nb * self.m3) / n
        )
        return Moments(
            n=n,
            mean=self.mean + d * nb / n,
            m2=m2,
            m3=m3,
            m4=m4,
            min=min(self.min, other.min),
            max=max(self.max, other.max),
        )

    @property
    def var(self) -> float:
        """Sample variance (ddof=1); NaN below two values."""
        return self.m2 / (self.n - 1) if self.n > 1 else math.nan

    @property
    def sd(self) -> float:
        return math.sqrt(self.var) if self.n > 1 else math.nan

    @property
    def skew(self) -> float:
        """Biased sample skewness g1 (scipy.stats.skew default)."""
        if self.n < 2 or self.m2 <= 0:
            return math.nan
        return math.sqrt(self.n) * self.m3 / self.m2**1.5

    @property
    def kurtosis(self) -> float:
        """Biased excess kurtosis g2 (scipy.stats.kurtosis default)."""
        if self.n < 2 or self.m2 <= 0:
            return math.nan
        return self.n * self.m4 / (self.m2 * self.m2) - 3.0

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Moments:
        out = {k: data[k] for k in ("n", "mean", "m2", "m3", "m4") if k in data}
        out["min"] = math.inf if data.get("min") is None else data["min"]
        out["max"] = -math.inf if data.get("max") is None else data["max"]
        return cls(**out)


def merge_all(parts: Sequence[Moments]) -> Moments:
    total = Moments()
    for part in parts:
        total = total.merge(part)
    return total


@dataclass(frozen=True, slots=True)
class TestResult:
    """A test statistic with its degrees of freedom and two-sided p-value."""

    test: str
    statistic: float
    df: tuple[float, ...]
    p_value: float


def ttest(a: Moments, b: Moments, equal_var: bool = False) -> TestResult:
    """Two-sample t-test (Welch by default) via scipy.stats.ttest_ind_from_stats."""
    from scipy import stats

    res = stats.ttest_ind_from_stats(a.mean, a.sd, a.n, b.mean, b.sd, b.n, equal_var=equal_var)
    if equal_var:
        df = float(a.n + b.n - 2)
    else:
        va, vb = a.var / a.n, b.var / b.n
        df = (va + vb) ** 2 / (va * va / (a.n - 1) + vb * vb / (b.n - 1))
    name = "student_t" if equal_var else "welch_t"
    return TestResult(name, float(res.statistic), (df,), float(res.pvalue))


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
    grand = merge_all(groups)
    ss_between = sum(g.n * (g.mean - grand.mean) ** 2 for g in groups)
    ss_within = sum(g.m2 for g in groups)
    return AnovaParts(k=len(groups), n=grand.n, ss_between=ss_between, ss_within=ss_within)


def anova(groups: Sequence[Moments]) -> TestResult:
    """One-way ANOVA F with scipy.stats.f_oneway semantics, from group moments."""
    from scipy import stats

    parts = anova_parts(groups)
    df1, df2 = parts.df
    f = parts.f
    return TestResult("anova_f", f, (df1, df2), float(stats.f.sf(f, df1, df2)))


def welch_anova(groups: Sequence[Moments]) -> TestResult:
    """Welch's heteroscedastic one-way ANOVA (Welch 1951), from group moments."""
    from scipy import stats

    k = len(groups)
    w = [g.n / g.var for g in groups]
    wsum = sum(w)
    mean_w = sum(wi * g.mean for wi, g in zip(w, groups, strict=True)) / wsum
    a = sum(wi * (g.mean - mean_w) ** 2 for wi, g in zip(w, groups, strict=True)) / (k - 1)
    tmp = sum((1 - wi / wsum) ** 2 / (g.n - 1) for wi, g in zip(w, groups, strict=True))
    b = 1 + 2 * (k - 2) / (k * k - 1) * tmp
    f = a / b
    df1, df2 = float(k - 1), (k * k - 1) / (3 * tmp)
    return TestResult("welch_anova", f, (df1, df2), float(stats.f.sf(f, df1, df2)))


def bartlett(groups: Sequence[Moments]) -> TestResult:
    """Bartlett's test of equal variances from group moments (scipy.stats.bartlett)."""
    from scipy import stats

    k = len(groups)
    n = sum(g.n for g in groups)
    pooled = sum(g.m2 for g in groups) / (n - k)
    num = (n - k) * math.log(pooled) - sum((g.n - 1) * math.log(g.var) for g in groups)
    corr = 1 + (sum(1 / (g.n - 1) for g in groups) - 1 / (n - k)) / (3 * (k - 1))
    t = num / corr
    return TestResult("bartlett", t, (float(k - 1),), float(stats.chi2.sf(t, k - 1)))


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
    (a formal normality test rejects everything at large n, which is not the question)."""
    return abs(m.skew) > skew_limit or abs(m.kurtosis) > kurt_limit
