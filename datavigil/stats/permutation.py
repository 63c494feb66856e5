"""Permutation tests on Welch's statistics, for small groups with raw values (ADR 0125).

Welch's t and Welch's ANOVA take their p-values from the t and F distributions, which assume
near-normal group means. With skewed data and a small group (lognormal 10 vs 1,000, k = 8 groups
of 10) that approximation gives 2-3 x the nominal false-alarm rate, or half of it. Here the same
statistic is kept (so Hedges' g and omega squared still measure what it tests) and its
permutation p-value is computed from the pooled values: exact when the groups share one
distribution. The procedures report the larger of it and the t/F approximation's (``combined``),
which holds its level when either assumption holds.

Deterministic and bounded: the random permutations come from a generator seeded with ``key``
(the check's name) and the sorted values themselves, so a re-run on the same data gives the same
p-value, and at most ``PERMUTATIONS`` permutations are drawn. The draw stops early once
``STOP_AFTER`` permuted statistics reach the observed one (Besag and Clifford 1991: the p-value
is then STOP_AFTER / draws, still valid), so an unremarkable night costs a few hundred.
Two samples with at most ``EXACT_LIMIT`` ways to split the pool (5 vs 5: 252; 8 vs 8: 12,870)
take every split: the exact p-value, as scipy's ``permutation_test`` computes it, without Monte
Carlo error (ADR 0133).
"""

from __future__ import annotations

import hashlib
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from datavigil.stats.significance import TestResult
from datavigil.stats.sufficient import Moments

if TYPE_CHECKING:
    import numpy as np
else:  # imported at the first use (ADR 0138)
    from datavigil.core.lazy import numpy as np

SMALL_GROUP = 200  # a group of at most this many values is small: its raw values decide the test
POOL_CAP = 5_000  # values of one large side used in the pool (a stratified subsample beyond)
PERMUTATIONS = 2_000  # most permutations drawn: the smallest p-value is 1 / 2,001
STOP_AFTER = 20  # stop once this many permuted statistics reach the observed one
FIRST_BATCH, MAX_BATCH = 50, 400  # draws per step: few for an unremarkable night
RELATIVE_TIE = 1e-9  # a permuted statistic within this of the observed one reaches it
EXACT_LIMIT = 20_000  # two samples with at most this many splits: every split, an exact p-value


def finite(values: Any) -> np.ndarray:
    """The finite values, sorted (row order never changes the result)."""
    x = np.asarray(values, dtype=np.float64).ravel()
    return np.sort(x[np.isfinite(x)])


def capped(x: np.ndarray, cap: int = POOL_CAP) -> np.ndarray:
    """At most ``cap`` of the sorted values ``x``: every (n / cap)-th, which keeps the shape."""
    if len(x) <= cap:
        return x
    return x[np.linspace(0, len(x) - 1, cap).round().astype(np.int64)]


def generator(key: str, samples: Sequence[np.ndarray]) -> np.random.Generator:
    """A generator seeded by ``key`` and the values: the same data gives the same draws."""
    h = hashlib.blake2b(key.encode(), digest_size=8)
    for s in samples:
        h.update(len(s).to_bytes(8, "little"))
        h.update(np.ascontiguousarray(s).tobytes())
    return np.random.default_rng(int.from_bytes(h.digest(), "little"))


def _standardized(samples: Sequence[np.ndarray]) -> np.ndarray:
    """The pooled values centred and scaled (first by their largest magnitude, so that 1e200
    cannot overflow the sums of squares): the statistics are invariant to both."""
    x = np.concatenate(samples)
    top = float(np.abs(x).max()) if len(x) else 0.0
    x = x / top if top > 0 else x
    x = x - x.mean()
    sd = float(x.std())
    return x / sd if sd > 0 else x


def _welch_t(s1: Any, q1: Any, n1: int, total: float, total_sq: float, n: int) -> Any:
    """|Welch's t| of group 1 (sum s1, sum of squares q1) against the rest of the pool."""
    n2 = n - n1
    s2, q2 = total - s1, total_sq - q1
    m1, m2 = s1 / n1, s2 / n2
    v1 = np.maximum(q1 - s1 * m1, 0.0) / (n1 - 1)
    v2 = np.maximum(q2 - s2 * m2, 0.0) / (n2 - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.abs(m1 - m2) / np.sqrt(v1 / n1 + v2 / n2)


def _welch_f(sums: Any, squares: Any, ns: np.ndarray) -> Any:
    """Welch's F for each row of group sums and sums of squares (groups of sizes ``ns``)."""
    k = len(ns)
    means = sums / ns
    var = np.maximum(squares - sums * means, 0.0) / (ns - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = ns / var
        wsum = w.sum(-1, keepdims=True)
        grand = (w * means).sum(-1, keepdims=True) / wsum
        a = (w * (means - grand) ** 2).sum(-1) / (k - 1)
        tmp = (((1 - w / wsum) ** 2) / (ns - 1)).sum(-1)
        return a / (1 + 2 * (k - 2) / (k * k - 1) * tmp)


def _sequential_p(observed: float, draw: Any, rng: np.random.Generator) -> tuple[float, int]:
    """Besag-Clifford p-value: ``draw(rng, m)`` gives m permuted statistics."""
    reach, done, batch = 0, 0, FIRST_BATCH
    bar = observed - RELATIVE_TIE * abs(observed)
    while done < PERMUTATIONS:
        m, batch = min(batch, PERMUTATIONS - done), min(2 * batch, MAX_BATCH)
        hits = np.cumsum(draw(rng, m) >= bar)  # NaN (no spread in a permutation) never reaches
        if reach + hits[-1] >= STOP_AFTER:
            at = done + int(np.argmax(hits >= STOP_AFTER - reach)) + 1
            return STOP_AFTER / at, at
        reach, done = reach + int(hits[-1]), done + m
    return (reach + 1) / (PERMUTATIONS + 1), PERMUTATIONS


def welch_t(a: Any, b: Any, key: str) -> tuple[TestResult, int]:
    """Welch's t of ``a`` vs ``b`` with its permutation p-value (two-sided: |t| reaches the
    observed one), and the number of permutations used. Exact (every split of the pooled values,
    as ``scipy.stats.permutation_test``) when there are at most EXACT_LIMIT splits (ADR 0133),
    else drawn."""
    a, b = finite(a), finite(b)
    rng = generator(key, (a, b))
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    x = _standardized((small, large))
    n1, n = len(small), len(x)
    total, total_sq = float(x.sum()), float((x * x).sum())
    obs = float(_welch_t(x[:n1].sum(), (x[:n1] ** 2).sum(), n1, total, total_sq, n))

    def draw(r: np.random.Generator, m: int) -> Any:
        pick = x[r.random((m, n)).argpartition(n1 - 1, axis=1)[:, :n1]]
        return _welch_t(pick.sum(1), (pick * pick).sum(1), n1, total, total_sq, n)

    if not math.isfinite(obs):
        p, used = math.nan, 0
    elif math.comb(n, n1) <= EXACT_LIMIT:
        pick = x[_splits(n, n1)]
        every = _welch_t(pick.sum(1), (pick * pick).sum(1), n1, total, total_sq, n)
        p, used = float(np.mean(every >= obs - RELATIVE_TIE * abs(obs))), len(every)
    else:
        p, used = _sequential_p(obs, draw, rng)
    t = obs if float(a.mean()) >= float(b.mean()) else -obs
    return TestResult("welch_t_permutation", t, (), p), used


def _splits(n: int, n1: int) -> np.ndarray:
    """Every choice of ``n1`` of ``n`` positions, one row each (at most EXACT_LIMIT rows)."""
    rows = itertools.combinations(range(n), n1)
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64)
    return flat.reshape(-1, n1)


def welch_anova(samples: Sequence[Any], key: str) -> tuple[TestResult, int]:
    """Welch's F of the groups with its permutation p-value, and the permutations drawn."""
    groups = [finite(s) for s in samples]
    rng = generator(key, groups)
    x = _standardized(groups)
    ns = np.array([len(g) for g in groups], dtype=np.float64)
    k = len(groups)
    labels = np.repeat(np.arange(k), [len(g) for g in groups])
    obs = float(_welch_f(*_group_sums(x, labels[None, :], k), ns)[0])

    def draw(r: np.random.Generator, m: int) -> Any:
        return _welch_f(*_group_sums(x, r.permuted(np.tile(labels, (m, 1)), axis=1), k), ns)

    p, used = _sequential_p(obs, draw, rng) if math.isfinite(obs) else (math.nan, 0)
    return TestResult("welch_anova_permutation", obs, (), p), used


def _group_sums(x: np.ndarray, labels: np.ndarray, k: int) -> tuple[Any, Any]:
    """Per row of ``labels``: the sum and the sum of squares of each group's values."""
    m = labels.shape[0]
    flat = (labels + k * np.arange(m)[:, None]).ravel()
    sums = np.bincount(flat, weights=np.tile(x, m), minlength=k * m).reshape(m, k)
    squares = np.bincount(flat, weights=np.tile(x * x, m), minlength=k * m).reshape(m, k)
    return sums, squares


def samples_for(
    groups: Mapping[str, Moments], raw: Mapping[str, Any] | None
) -> tuple[list[np.ndarray] | None, str]:
    """The samples a permutation test pools when a group is small (every value of each small
    group, at most POOL_CAP of a large one), or None and why not ("" when no group is small)."""
    smallest = min(m.n for m in groups.values())
    if smallest > SMALL_GROUP:
        return None, ""
    out = []
    for name, m in groups.items():
        x = None if raw is None or name not in raw else finite(raw[name])
        if x is None or len(x) < 2:
            return None, f"{name}: no raw values, so Welch's approximate p-value is used"
        if m.n <= SMALL_GROUP and len(x) != m.n:
            return None, f"{name}: {len(x)} raw values of its {m.n}: Welch's p-value is used"
        out.append(capped(x))
    return out, ""


def combined(permuted: float, approximate: float) -> tuple[float, str]:
    """The p-value reported and the rule in words: the larger of the permutation p-value and
    the t/F approximation's. It holds its level when either does: the groups share one
    distribution (the permutation is exact) or their means are near normal (Welch). The
    permutation alone went above alpha where Welch did not: unequal spreads with groups of 5
    (normal k 5: 0.069, Welch 0.055; lognormal k 5: 0.173, Welch 0.125) or of unequal sizes
    (normal n 8 with sd 3 against n 100 with sd 0.1: 0.015 at 0.01, Welch 0.007)."""
    if math.isnan(permuted):
        return permuted, "no permutation p-value"
    return max(permuted, approximate), "the larger of the permutation and t/F p-values"


def note(
    used: int,
    samples: Sequence[np.ndarray],
    names: Sequence[str],
    approximate: float,
    rule: str,
    permuted: float,
) -> dict[str, Any]:
    """What details record of a permutation test: the draws, the values pooled per group, and
    the t/F distribution's p-value it replaced (information, e.g. to compare with R)."""
    pooled = {g: len(s) for g, s in zip(names, samples, strict=True)}
    return {
        "permutation": {
            "permutations": used, "pooled": pooled, "small_group": SMALL_GROUP,
            "p_value": permuted, "approximate_p_value": approximate, "rule": rule,
        }
    }  # fmt: skip
