"""Small groups in Welch's tests: the permutation p-value (ADR 0125) and where no test of means
holds its level, an ``inconclusive`` with the reason (ADR 0133, ADR 0144).

With a group of at most ``permutation.SMALL_GROUP`` values and every raw value at hand, Welch's
t and Welch's ANOVA take the larger of their studentized permutation p-value (the Welch
statistic recomputed on each permutation, Janssen 1997) and the t/F approximation's.

That still misses its level where the groups' distributions differ in spread and are strongly
skewed, with few values: lognormal, equal means, spreads 1 to 3, 10 values a group gave 0.13 for
nominal 0.05. No test of a mean is both valid and useful over all distributions (Bahadur and
Savage 1956), so there the procedure says ``inconclusive`` instead: when the smallest group has
at most ``SKEW_GROUP`` values and the values, centred and scaled within each group and then
pooled, have a sample skewness beyond ``SKEW_LIMIT`` in magnitude and a quantile (Kelly's)
skewness beyond ``KELLY_LIMIT`` on the same side (a heavy but symmetric tail is not skew).
The pooled skewness is used, not each small group's own: a skewed group's false alarms come
from the nights it drew none of its rare large values, the very nights its own skewness looks
normal (a per-group rule kept those nights and alarmed at 0.10 among them at 10 vs 1,000).

Two limits of ADR 0144: a group of at most ``FEW_VALUES`` values is ``inconclusive`` whatever
its values (5 or 10 values cannot show the skew that makes a test of means alarm at 2-3 x alpha:
lognormal groups of 5 or 10 with unequal spreads), and the skew rule covers every group whose
values are at hand (``SKEW_GROUP`` = ``permutation.SMALL_GROUP``: lognormal 100 vs 100 with
unequal spreads gave 2.3 x alpha at 0.01).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from datavigil.core.outcome import Status
from datavigil.stats import permutation
from datavigil.stats.choice import Problem
from datavigil.stats.significance import TestResult
from datavigil.stats.sufficient import Moments

if TYPE_CHECKING:
    import numpy as np
else:  # imported at the first use (ADR 0138)
    from datavigil.core.lazy import numpy as np

FEW_VALUES = 10  # a group of at most this many values cannot carry a mean test (ADR 0144)
SKEW_GROUP = permutation.SMALL_GROUP  # nor one of at most this many, of strongly skewed data
SKEW_LIMIT = 1.0  # |skewness| of the pooled within-group standardized values: strongly skewed
KELLY_LIMIT = 0.2  # and Kelly's quantile skewness beyond this, of the same sign (lognormal: 0.57)


def _pooled(samples: Sequence[np.ndarray]) -> np.ndarray:
    """The values centred and scaled within each group (groups without spread are left out),
    then pooled and centred."""
    parts = []
    for s in samples:
        x = np.asarray(s, dtype=np.float64)
        top = float(np.abs(x).max()) if len(x) else 0.0
        x = x / top if top > 0 else x  # 1e200 cannot overflow the squares
        sd = float(x.std())
        if len(x) >= 2 and sd > 0:
            parts.append((x - x.mean()) / sd)
    z = np.concatenate(parts) if parts else np.zeros(0)
    return z - z.mean() if len(z) else z


def pooled_skewness(samples: Sequence[np.ndarray]) -> float:
    """Sample skewness (g1, the moment estimator) of the pooled standardized values; 0.0 when
    no group has spread."""
    z = _pooled(samples)
    m2 = float((z * z).mean()) if len(z) else 0.0
    return float((z**3).mean() / m2**1.5) if m2 > 0 else 0.0


def quantile_skewness(samples: Sequence[np.ndarray]) -> float:
    """Kelly's skewness (P90 + P10 - 2 P50) / (P90 - P10) of the pooled standardized values:
    a heavy symmetric tail (t(3): its moment skewness of 1,000 values is beyond 1 one night in
    three) leaves it near 0."""
    z = _pooled(samples)
    if len(z) == 0:
        return 0.0
    p10, p50, p90 = np.quantile(z, [0.1, 0.5, 0.9])
    return float((p90 + p10 - 2 * p50) / (p90 - p10)) if p90 > p10 else 0.0


def skewed(samples: Sequence[np.ndarray], names: Sequence[str]) -> Problem | None:
    """``inconclusive`` when the smallest group has at most SKEW_GROUP values and the pooled
    skewness is beyond SKEW_LIMIT with Kelly's beyond KELLY_LIMIT on the same side, with the
    reason in one sentence; else None."""
    sizes = [len(s) for s in samples]
    i = int(np.argmin(sizes))
    if sizes[i] > SKEW_GROUP:
        return None
    g1, kelly = pooled_skewness(samples), quantile_skewness(samples)
    if abs(g1) <= SKEW_LIMIT or kelly * np.sign(g1) <= KELLY_LIMIT:
        return None
    return Problem(
        Status.INCONCLUSIVE,
        f"{names[i]} has {sizes[i]} values and the data are strongly skewed (skewness "
        f"{g1:.3g} of the values standardized within each group, beyond +-{SKEW_LIMIT:g}; "
        f"Kelly's {kelly:.2g}): "
        f"with at most {SKEW_GROUP} values in a group no test of means holds its false-alarm "
        "rate on such data (ADR 0133, ADR 0144), so neither pass nor fail; more values per group "
        "or a rank test (mann_whitney, kruskal) decides",
    )


def few(groups: Mapping[str, Moments]) -> Problem | None:
    """``inconclusive`` when the smallest group has at most FEW_VALUES values (ADR 0144), with
    the reason in one sentence; else None. The group sizes decide, never the values."""
    name = min(groups, key=lambda g: groups[g].n)
    n = groups[name].n
    if n > FEW_VALUES:
        return None
    return Problem(
        Status.INCONCLUSIVE,
        f"{name} has {n} values: with at most {FEW_VALUES} values in a group no test of means "
        "holds its false-alarm rate unless the data are near normal, which so few values cannot "
        "show (lognormal groups of 5 or 10 with unequal spreads alarm at 2-3 x alpha; ADR 0144), "
        f"so neither pass nor fail; a group of more than {FEW_VALUES} values decides",
    )


def small(
    groups: Mapping[str, Moments],
    raw: Mapping[str, Any] | None,
    key: str,
    res: TestResult,
    why: str,
) -> tuple[TestResult, str, dict[str, Any], Problem | None]:
    """Welch's statistic with the larger of its permutation and t/F p-values when a group is
    small and the raw values are at hand; else Welch's test as it was, with the reason recorded
    (ADR 0125). The problem is an ``inconclusive`` for a group of at most FEW_VALUES values
    (ADR 0144) and for strongly skewed small groups (ADR 0133)."""
    problem = few(groups)
    if problem is not None:
        return (
            res,
            why,
            {"permutation": {"skipped": problem.reason, "few_values": FEW_VALUES}},
            problem,
        )
    samples, reason = permutation.samples_for(groups, raw)
    if samples is None:
        return res, why, ({"permutation": {"skipped": reason}} if reason else {}), None
    problem = skewed(samples, list(groups))
    if problem is not None:
        note = {"skewness": pooled_skewness(samples), "kelly": quantile_skewness(samples),
                "skew_group": SKEW_GROUP, "skew_limit": SKEW_LIMIT}  # fmt: skip
        return res, why, {"permutation": {"skipped": problem.reason, **note}}, problem
    if res.test == "welch_t":  # two_sample's (a k_sample of two groups stays an ANOVA)
        perm, used = permutation.welch_t(samples[0], samples[1], key)
    else:
        perm, used = permutation.welch_anova(samples, key)
    p, rule = permutation.combined(perm.p_value, res.p_value)
    note = permutation.note(used, samples, list(groups), res.p_value, rule, perm.p_value)
    res = TestResult(perm.test, res.statistic, res.df, p)
    why = (
        f"{why.split(':')[0]} with a permutation p-value (no pretest): a group has at most "
        f"{permutation.SMALL_GROUP} values, where the t/F distribution's p-value does not hold "
        f"its level for skewed data; {rule} (ADR 0125)"
    )
    return res, why, note, None
