"""Categorical drift: a chi-square test of homogeneity of a column's frequencies, current vs
reference (ADR 0084). Pure; returns the same ``Choice`` as the numeric procedures, so it joins
the run's multiplicity family (``power_kind="chi2"``).

Pooling rule: a category whose smallest expected count (over the two samples) is below 5 goes
to "(other)"; while "(other)" itself breaks Cochran's rule (expected below 1, or below 5 in a
table of fewer than 5 cells), the next-smallest category joins it. NULLs are not a category:
the caller counts them in ``left_out``.

Effect: Cramér's V at equal sample sizes, V = sqrt(X^2 N / (4 n_c n_r)) capped at 1: the usual
V = sqrt(X^2 / N) when both samples have the same size, but unlike it not diluted by a
reference 30 times larger than the current day. CI: the noncentral chi-square's lambda inverted
at X^2, mapped the same way (Smithson 2003).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from datavigil.core.outcome import Status
from datavigil.stats.choice import Choice, Problem
from datavigil.stats.effects import Effect, chi2_ncp, v_of
from datavigil.stats.effects import v_mde as v_mde  # re-exported: the power of the test
from datavigil.stats.procedures import POWER_TARGET
from datavigil.stats.significance import TestResult

OTHER = "(other)"
MIN_EXPECTED = 5.0


def pool(
    current: Mapping[str, int], reference: Mapping[str, int], min_expected: float = MIN_EXPECTED
) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Cells {category: (current, reference)} after pooling, and the pooled categories."""
    cats = sorted(set(current) | set(reference), key=str)
    cells = {c: (int(current.get(c, 0)), int(reference.get(c, 0))) for c in cats}
    cells = {c: v for c, v in cells.items() if v[0] + v[1] > 0}
    n_c, n_r = sum(v[0] for v in cells.values()), sum(v[1] for v in cells.values())
    factor = min(n_c, n_r) / (n_c + n_r)  # smallest expected count = factor * column total
    small = sorted((c for c, v in cells.items() if factor * sum(v) < min_expected), key=str)
    if not small:
        return cells, []
    rest = sorted((c for c in cells if c not in small), key=lambda c: (sum(cells[c]), str(c)))
    pooled = list(small)
    while rest and _too_small(factor * sum(sum(cells[c]) for c in pooled), len(rest) + 1):
        pooled.append(rest.pop(0))
    out = {c: cells[c] for c in cells if c not in pooled}
    out[OTHER] = (sum(cells[c][0] for c in pooled), sum(cells[c][1] for c in pooled))
    return out, pooled


def _too_small(expected: float, cells: int, min_expected: float = MIN_EXPECTED) -> bool:
    """Cochran's rule for the pooled cell: at least 1, and at least 5 unless it is one cell in
    five or more (at most 20% of the cells below 5)."""
    return expected < 1.0 or (expected < min_expected and cells < 5)


def chi_square(cells: Mapping[str, tuple[int, int]]) -> TestResult:
    """Pearson's X^2 of the 2 x K table (no continuity correction), df = K - 1."""
    from scipy import special

    n_c = sum(v[0] for v in cells.values())
    n_r = sum(v[1] for v in cells.values())
    n = n_c + n_r
    x2 = 0.0
    for oc, orf in cells.values():
        t = oc + orf
        ec, er = n_c * t / n, n_r * t / n
        x2 += (oc - ec) ** 2 / ec + (orf - er) ** 2 / er
    df = float(len(cells) - 1)
    return TestResult("chi_square", x2, (df,), float(special.chdtrc(df, x2)))


def cramers_v(res: TestResult, n_c: int, n_r: int, level: float = 0.95) -> Effect:
    tail = (1 - level) / 2
    df = res.df[0]
    lo, hi = chi2_ncp(res.statistic, df, 1 - tail), chi2_ncp(res.statistic, df, tail)
    return Effect(
        "cramers_v", v_of(res.statistic, n_c, n_r), (v_of(lo, n_c, n_r), v_of(hi, n_c, n_r))
    )


def homogeneity(
    current: Mapping[str, int],
    reference: Mapping[str, int],
    *,
    alpha: float = 0.05,
    min_effect: float = 0.1,
    left_out: Mapping[str, int] | None = None,
    level: float = 0.95,
) -> Choice:
    """Have the category frequencies moved since the reference? ``left_out``: NULLs etc."""
    new = sorted((c for c, k in current.items() if k > 0 and not reference.get(c)), key=str)
    gone = sorted((c for c, k in reference.items() if k > 0 and not current.get(c)), key=str)
    cells, pooled = pool(current, reference)
    n_c, n_r = sum(v[0] for v in cells.values()), sum(v[1] for v in cells.values())
    kinds = {"null": 0, "nan": 0, "posinf": 0, "neginf": 0, **(left_out or {})}
    base: dict[str, Any] = {
        "test": None,
        "why": "chi-square test of homogeneity (current vs reference frequencies)",
        "effect": None,
        "alpha": alpha,
        "min_effect": min_effect,
        "groups": {"current": {"n": n_c}, "reference": {"n": n_r}},
        "left_out": {"current": kinds},
        "extra": {
            "new_categories": new,
            "vanished_categories": gone,
            "pooled": pooled,
            "cells": {c: list(v) for c, v in cells.items()},
        },
    }
    if n_c == 0 or n_r == 0 or len(cells) < 2:
        side = "current" if n_c == 0 else "reference" if n_r == 0 else "table"
        why = f"nothing to compare: {side} has no counts" if side != "table" else ""
        why = why or f"fewer than 2 categories after pooling rare ones ({len(cells)})"
        return Choice(**base, problem=Problem(Status.INCONCLUSIVE, why))
    res = chi_square(cells)
    return Choice(
        **{**base, "test": res, "effect": cramers_v(res, n_c, n_r, level)},
        power={"power_kind": "chi2", "n_a": n_c, "n_b": n_r, "power_target": POWER_TARGET},
    )
