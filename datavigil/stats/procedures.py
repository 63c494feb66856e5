"""The distribution procedures the checks call: group moments in, one ``Choice`` out (ADR 0080-3).

Pure: no I/O, no clock. The default is always Welch (Welch's t for two samples, Welch's ANOVA for
k groups): no assumption pretest decides the test, because choosing a test from a pretest
inflates false alarms (issue 9, item 3). Brown-Forsythe (with raw values), Bartlett, skewness and
kurtosis are computed and recorded as information only. Student's t / the classic F and the rank
tests (Mann-Whitney, Kruskal-Wallis) run only when the suite asks for them, each with its own
effect size. What cannot be computed is a ``problem`` (error, or inconclusive for too few
values) with a reason, never a pass.

    choice = two_sample(cur, ref, alpha=0.01, min_effect=0.2)
    outcome = choice.outcome("x: mean 3.1 vs 2.9")       # gated verdict at family size 1
    # the runner later re-judges the family: multitest.adjust_run(results, "holm")
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from datavigil.core.outcome import Status
from datavigil.stats import effects
from datavigil.stats import significance as stats
from datavigil.stats.choice import Choice, Dropped, Problem
from datavigil.stats.significance import TestResult
from datavigil.stats.small import small
from datavigil.stats.sufficient import Moments

TWO_SAMPLE = ("welch", "student", "mann_whitney")
K_SAMPLE = ("welch", "classic", "kruskal")
DOMINANCE = 1e-9  # the other n-1 values carry less than this share of M2: one value is the test
POWER_TARGET = 0.95  # a pass claims: a 1.5 x min_effect shift would have failed 95% of nights


def numeric_problem(name: str, m: Moments) -> str | None:
    """Why these moments cannot be tested (not finite, negative M2, one value dominates)."""
    if not all(math.isfinite(v) for v in (m.mean, m.m2, m.scale)) or m.m2 < 0:
        return (
            f"{name}: the moments of its {m.n} values are not finite (mean {m.mean:.6g}, "
            f"M2 {m.m2:.6g}): overflow in the sums; the test cannot be computed"
        )
    if m.n < 3 or m.m2 <= 0 or not (math.isfinite(m.min) and math.isfinite(m.max)):
        return None
    hi, lo = m.max / m.scale - m.mean / m.scale, m.mean / m.scale - m.min / m.scale
    top = max(hi, lo)
    rest = m.m2 - top * top * m.n / (m.n - 1)  # M2 of the other n-1 values (leave one out)
    if rest <= DOMINANCE * m.m2:
        value = m.max if hi >= lo else m.min
        return (
            f"{name}: one value ({value:.6g}) carries all of the variance of its {m.n} values; "
            "a mean test would measure that one value (a sentinel or an overflow?)"
        )
    return None


def _summary(m: Moments) -> dict[str, Any]:
    return {"n": m.n, "mean": m.mean, "sd": m.sd}


def _shape(groups: Mapping[str, Moments]) -> dict[str, Any]:
    return {
        name: {"skew": m.skew, "kurtosis": m.kurtosis}
        for name, m in groups.items()
        if math.isfinite(m.m3) and math.isfinite(m.m4)
    }


def _diagnostics(groups: Mapping[str, Moments], raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """Bartlett (from moments), Brown-Forsythe (raw values), skew and kurtosis: information."""
    out: dict[str, Any] = {"shape": _shape(groups)}
    ms = list(groups.values())
    if len(ms) >= 2 and all(m.n >= 2 and m.m2 > 0 for m in ms):
        b = stats.bartlett(ms)
        out["bartlett"] = {"statistic": b.statistic, "p_value": b.p_value}
    if raw is not None and all(len(raw.get(g, ())) >= 2 for g in groups):
        bf = stats.brown_forsythe([raw[g] for g in groups])
        out["brown_forsythe"] = {"statistic": bf.statistic, "p_value": bf.p_value}
    return out


def _not_finite(test: TestResult, effect: effects.Effect) -> Problem | None:
    nums = (test.statistic, test.p_value, effect.value, *test.df)
    if all(math.isfinite(x) for x in nums):
        return None
    return Problem(
        Status.ERROR,
        f"{test.test}: a statistic is not finite (statistic {test.statistic:.6g}, "
        f"df {', '.join(f'{x:.6g}' for x in test.df)}, p {test.p_value:.6g})",
    )


def _base(
    groups: Mapping[str, Moments], alpha: float, min_effect: float, why: str = ""
) -> dict[str, Any]:
    return {
        "test": None,
        "why": why,
        "effect": None,
        "alpha": alpha,
        "min_effect": min_effect,
        "groups": {g: _summary(m) for g, m in groups.items()},
        "left_out": {g: m.left_out for g, m in groups.items()},
    }


def _screen(groups: Mapping[str, Moments]) -> Problem | None:
    for name, m in groups.items():
        reason = numeric_problem(name, m)
        if reason:
            return Problem(Status.ERROR, reason)
    return None


def two_sample(
    cur: Moments,
    ref: Moments,
    *,
    test: str = "welch",
    alpha: float = 0.05,
    min_effect: float = 0.2,
    raw: tuple[Any, Any] | None = None,
    level: float = 0.95,
    key: str = "",
) -> Choice:
    """Current vs reference. ``test``: welch (default) | student | mann_whitney (raw values).
    Welch's t takes a permutation p-value when a side is small and ``raw`` holds its values
    (ADR 0125); ``key`` (the check's name) seeds the permutations."""
    if test not in TWO_SAMPLE:
        raise ValueError(f"test must be one of {', '.join(TWO_SAMPLE)}, got {test!r}")
    groups = {"current": cur, "reference": ref}
    base = _base(groups, alpha, min_effect)
    problem = _two_problem(cur, ref, test, raw)
    if problem is not None:
        return Choice(**base, problem=problem)
    raw_map = None if raw is None else {"current": raw[0], "reference": raw[1]}
    res, effect, why, kind = _run_two(cur, ref, test, raw, level)
    extra: dict[str, Any] = {}
    if test == "welch":
        res, why, extra, problem = small(groups, raw_map, key, res, why)
    return Choice(
        **{**base, "test": res, "why": why, "effect": effect},
        power={"power_kind": kind, "n_a": cur.n, "n_b": ref.n, "power_target": POWER_TARGET},
        diagnostics=_diagnostics(groups, raw_map),
        problem=_not_finite(res, effect) or problem,
        extra=extra,
    )


def _two_problem(cur: Moments, ref: Moments, test: str, raw: Any) -> Problem | None:
    groups = {"current": cur, "reference": ref}
    few = [f"{g} has {m.n} finite value(s)" for g, m in groups.items() if m.n < 2]
    problem = _screen(groups)
    if few:
        problem = Problem(Status.INCONCLUSIVE, f"too few values: {', '.join(few)}")
    elif problem is None and cur.m2 == 0 and ref.m2 == 0:
        problem = Problem(
            Status.INCONCLUSIVE,
            f"no variance on either side (current all {cur.mean:.6g}, reference all "
            f"{ref.mean:.6g}): no test of means applies",
        )
    if problem is None and test == "mann_whitney" and raw is None:
        problem = Problem(Status.ERROR, "mann_whitney needs raw values, none were given")
    return problem


def _run_two(
    cur: Moments, ref: Moments, test: str, raw: tuple[Any, Any] | None, level: float
) -> tuple[TestResult, effects.Effect, str, str]:
    if test == "mann_whitney":
        assert raw is not None
        res = stats.mann_whitney(raw[0], raw[1])
        eff = effects.rank_biserial(res.statistic, len(raw[0]), len(raw[1]), level)
        return res, eff, "Mann-Whitney U: asked by the suite (tests ranks, not means)", "rank"
    if test == "student":
        why = "Student's t: asked by the suite (assumes equal variances)"
        return stats.ttest(cur, ref, equal_var=True), effects.hedges_g(cur, ref, level), why, "t"
    why = "Welch's t: the default, valid without equal variances (no pretest)"
    if cur.m2 == 0 or ref.m2 == 0:
        side = "current" if cur.m2 == 0 else "reference"
        why = f"Welch's t: {side} has zero variance, so it tests the other side's mean against it"
    return stats.ttest(cur, ref), effects.hedges_g(cur, ref, level), why, "t"


def _keep(
    groups: Mapping[str, Moments], test: str
) -> tuple[dict[str, Moments], tuple[Dropped, ...]]:
    """Groups with at least 2 finite values; for Welch also with variance > 0 (a zero-variance
    group gets an infinite weight in Welch's ANOVA: it is excluded and named, ADR 0083)."""
    keep, dropped = {}, []
    for name, m in groups.items():
        if m.n < 2:
            dropped.append(Dropped(name, f"fewer than 2 finite values (n={m.n})"))
        elif test == "welch" and m.m2 == 0:
            dropped.append(Dropped(name, f"zero variance: all {m.n} values equal {m.mean:.6g}"))
        else:
            keep[name] = m
    return keep, tuple(dropped)


def k_sample(
    groups: Mapping[str, Moments],
    *,
    test: str = "welch",
    alpha: float = 0.05,
    min_effect: float = 0.01,
    raw: Mapping[str, Any] | None = None,
    level: float = 0.95,
    key: str = "",
) -> Choice:
    """k groups. ``test``: welch (default) | classic | kruskal (raw values). Welch's ANOVA
    takes a permutation p-value when a group is small and ``raw`` holds the values (ADR 0125)."""
    if test not in K_SAMPLE:
        raise ValueError(f"test must be one of {', '.join(K_SAMPLE)}, got {test!r}")
    base = _base(groups, alpha, min_effect)
    keep, dropped = _keep(groups, test)
    problem = _screen(keep)
    if problem is None and len(keep) < 2:
        names = ", ".join(f"{d.group} ({d.reason})" for d in dropped) or "none"
        problem = Problem(Status.INCONCLUSIVE, f"fewer than 2 groups to compare; dropped: {names}")
    if problem is None and test == "classic" and all(m.m2 == 0 for m in keep.values()):
        problem = Problem(Status.INCONCLUSIVE, "every group has zero variance")
    if problem is None and test == "kruskal" and raw is None:
        problem = Problem(Status.ERROR, "kruskal needs raw values, none were given")
    if problem is not None:
        return Choice(**base, dropped=dropped, problem=problem)
    res, effect, why = _run_k(keep, test, raw, level)
    extra: dict[str, Any] = {}
    if test == "welch":
        res, why, extra, problem = small(keep, raw, key, res, why)
    n = sum(m.n for m in keep.values())
    return Choice(
        **{**base, "test": res, "why": why, "effect": effect},
        power={"power_kind": "f", "k": len(keep), "n": n, "power_target": POWER_TARGET},
        dropped=dropped,
        diagnostics=_diagnostics(keep, raw),
        problem=_not_finite(res, effect) or problem,
        extra=extra,
    )


def _run_k(
    keep: Mapping[str, Moments], test: str, raw: Mapping[str, Any] | None, level: float
) -> tuple[TestResult, effects.Effect, str]:
    ms = list(keep.values())
    n = sum(m.n for m in ms)
    if test == "kruskal":
        assert raw is not None
        res = stats.kruskal([raw[g] for g in keep])
        why = "Kruskal-Wallis: asked by the suite (tests ranks, not means)"
        return res, effects.epsilon_sq(res.statistic, len(ms), n, level), why
    if test == "classic":
        parts = stats.anova_parts(ms)
        why = "classic F: asked by the suite (assumes equal variances)"
        return stats.anova(ms), effects.anova_effect(parts, level)[0], why
    res = stats.welch_anova(ms)
    why = "Welch's ANOVA: the default, valid without equal variances (no pretest)"
    df1, df2 = res.df
    return res, effects.welch_omega(res.statistic, df1, df2, n, level), why
