"""Categorical drift: a chi-square test of homogeneity of a column's frequencies, current vs
reference (ADR 0084). Pure; returns the same ``Choice`` as the numeric procedures, so it joins
the run's multiplicity family (``power_kind="chi2"``).

Pooling rule: a category whose smallest expected count (over the two samples) is below 5 goes
to "(other)"; while "(other)" itself breaks Cochran's rule (expected below 1, or below 5 in a
table of fewer than 5 cells), the next-smallest category joins it. NULLs are not a category:
the caller counts them in ``left_out``.

Kept lists (ADR 0124): a side that counted only its most frequent values (an engine
``Frequencies`` with a top, a snapshot) passes the number of values beyond them in ``rest``.
Only categories whose count is known on both sides are compared (a side with no rest counts
the others as 0); at most ``top`` of them, the most frequent over both samples (a choice that
does not bias the test: under no shift the split of a category's total between the samples
does not depend on the total). Everything else is one tail bucket, counted on both sides as the
side's total minus its compared categories, and pooled into "(other)".

Effect: Cramér's V at equal sample sizes, V = sqrt(lambda N / (4 n_c n_r)) capped at 1, with
lambda = max(0, X^2 - df) the moment estimate of the noncentrality (E[X^2] = df + lambda): the
usual V = sqrt(X^2 / N) counts the df expected of pure noise as effect, which with hundreds of
cells puts it above its own interval and above ``min_effect`` on unchanged data; the raw value
is kept in ``details`` (``cramers_v_raw``). At equal sample sizes it is the usual scale, and
unlike the usual V it is not diluted by a reference 30 times larger than the current day. CI:
the noncentral chi-square's lambda inverted at X^2, mapped the same way (Smithson 2003); the
estimate always lies inside it.
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


def align(
    current: Mapping[str, int],
    reference: Mapping[str, int],
    rest: tuple[int, int] = (0, 0),
    top: int | None = None,
) -> tuple[dict[str, tuple[int, int]], tuple[int, int], int]:
    """The compared cells {category: (current, reference)}: the categories counted on both
    sides, at most ``top`` (the most frequent over both samples); the tail (everything else,
    per side); and how many named categories went to the tail."""
    cats = set(current) | set(reference)
    known = [k for k in cats if (k in current or rest[0] == 0) and (k in reference or rest[1] == 0)]
    known.sort(key=lambda k: (-(current.get(k, 0) + reference.get(k, 0)), str(k)))
    kept = known if top is None else known[:top]
    cells = {k: (int(current.get(k, 0)), int(reference.get(k, 0))) for k in kept}
    totals = sum(current.values()) + rest[0], sum(reference.values()) + rest[1]
    tail = (
        int(totals[0] - sum(v[0] for v in cells.values())),
        int(totals[1] - sum(v[1] for v in cells.values())),
    )
    return cells, tail, len(cats) - len(kept)


def pool(
    current: Mapping[str, int],
    reference: Mapping[str, int],
    min_expected: float = MIN_EXPECTED,
    tail: tuple[int, int] = (0, 0),
) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Cells {category: (current, reference)} after pooling, and the pooled categories; a
    ``tail`` (values beyond the compared categories) starts "(other)"."""
    cats = sorted(set(current) | set(reference), key=str)
    cells = {c: (int(current.get(c, 0)), int(reference.get(c, 0))) for c in cats}
    cells = {c: v for c, v in cells.items() if v[0] + v[1] > 0}
    n_c = sum(v[0] for v in cells.values()) + tail[0]
    n_r = sum(v[1] for v in cells.values()) + tail[1]
    if n_c + n_r == 0:
        return cells, []
    factor = min(n_c, n_r) / (n_c + n_r)  # smallest expected count = factor * column total
    small = sorted((c for c, v in cells.items() if factor * sum(v) < min_expected), key=str)
    if not small and not sum(tail):
        return cells, []
    rest = sorted((c for c in cells if c not in small), key=lambda c: (sum(cells[c]), str(c)))
    pooled = list(small)
    while rest and _too_small(
        factor * (sum(tail) + sum(sum(cells[c]) for c in pooled)), len(rest) + 1
    ):
        pooled.append(rest.pop(0))
    out = {c: cells[c] for c in cells if c not in pooled}
    out[OTHER] = (
        tail[0] + sum(cells[c][0] for c in pooled),
        tail[1] + sum(cells[c][1] for c in pooled),
    )
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
    lam = max(0.0, res.statistic - df)  # inside [lo, hi]: P(X'^2 <= its mean) is in (.5, .7)
    value = min(max(v_of(lam, n_c, n_r), v_of(lo, n_c, n_r)), v_of(hi, n_c, n_r))
    return Effect("cramers_v", value, (v_of(lo, n_c, n_r), v_of(hi, n_c, n_r)))


def homogeneity(
    current: Mapping[str, int],
    reference: Mapping[str, int],
    *,
    alpha: float = 0.05,
    min_effect: float = 0.1,
    left_out: Mapping[str, int] | None = None,
    level: float = 0.95,
    rest: tuple[int, int] = (0, 0),
    top: int | None = None,
) -> Choice:
    """Have the category frequencies moved since the reference? ``left_out``: NULLs etc.;
    ``rest``: values beyond each side's kept list; ``top``: the most categories compared."""
    compared, tail, beyond = align(current, reference, rest, top)
    cur = {k: v[0] for k, v in compared.items()}
    cells, pooled = pool(cur, {k: v[1] for k, v in compared.items()}, tail=tail)
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
        "extra": _named(current, reference, rest)
        | {"pooled": pooled, "cells": {c: list(v) for c, v in cells.items()}},
    }
    if sum(tail):
        base["extra"]["tail"] = {"categories": beyond, "current": tail[0], "reference": tail[1]}
    if n_c == 0 or n_r == 0 or len(cells) < 2:
        side = "current" if n_c == 0 else "reference" if n_r == 0 else "table"
        why = f"nothing to compare: {side} has no counts" if side != "table" else ""
        why = why or f"fewer than 2 categories after pooling rare ones ({len(cells)})"
        return Choice(**base, problem=Problem(Status.INCONCLUSIVE, why))
    res = chi_square(cells)
    base["extra"]["cramers_v_raw"] = v_of(res.statistic, n_c, n_r)
    return Choice(
        **{**base, "test": res, "effect": cramers_v(res, n_c, n_r, level)},
        power={"power_kind": "chi2", "n_a": n_c, "n_b": n_r, "power_target": POWER_TARGET},
    )


def _named(
    current: Mapping[str, int], reference: Mapping[str, int], rest: tuple[int, int]
) -> dict[str, list[str]]:
    """Categories new since the reference, and vanished: only where the other side kept every
    value (a category missing from a kept list may be beyond it)."""
    new = [c for c, k in current.items() if k > 0 and not reference.get(c)] if not rest[1] else []
    gone = [c for c, k in reference.items() if k > 0 and not current.get(c)] if not rest[0] else []
    return {"new_categories": sorted(new, key=str), "vanished_categories": sorted(gone, key=str)}
