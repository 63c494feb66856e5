"""The metrics of LabelQuality from what the engine counted, and their verdict (ADR 0101).

Pure: the confusion counts (engine CountWhere) and the (score, label) pairs (a bounded engine
Sample) in, an ``Estimate`` or the reason the metric is undefined out; ``verdict`` compares a
day's estimate with the reference period's.

* fail          the metric got worse by >= min_effect and the CI of the change excludes 0
* pass          the CI of the change excludes a worsening of min_effect
* inconclusive  otherwise: the CI reaches min_effect (too few labels, or a real worsening that
                may be as large; ADR 0123)

The CI of the change is two-sided at 1 - 2 alpha: each end is a one-sided test at the suite's
alpha (ADR 0123).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from datavigil.stats import classification as cl

PROPORTIONS = ("accuracy", "precision", "recall")
RANKED = ("auc", "brier")
LOWER_IS_BETTER = ("brier",)
MIN_CLASS = 5  # labels of each class for the AUC's normal interval (ADR 0123)
MIN_BRIER = 10  # labelled scores for the Brier score's normal interval (ADR 0123)
UNDEFINED = {
    "accuracy": "no prediction has its label",
    "precision": "no predicted positives (precision = TP / (TP + FP) is 0/0)",
    "recall": "no actual positives among the labels (recall = TP / (TP + FN) is 0/0)",
}


@dataclass(frozen=True, slots=True)
class Counts:
    tp: int
    fp: int
    tn: int
    fn: int

    def pair(self, metric: str) -> tuple[int, int]:
        """(successes, trials) of a proportion metric."""
        if metric == "accuracy":
            return self.tp + self.tn, self.tp + self.fp + self.tn + self.fn
        if metric == "precision":
            return self.tp, self.tp + self.fp
        return self.tp, self.tp + self.fn


@dataclass(frozen=True, slots=True)
class Pairs:
    """The finite scores of the labelled predictions and whether each label is positive."""

    scores: Any  # np.ndarray of float64
    positive: Any  # np.ndarray of bool
    dropped: int = 0  # NaN/inf scores left out


def pairs_of(rows: list[tuple[Any, Any]], positive: Any) -> Pairs:
    import numpy as np

    s = np.asarray([r[0] for r in rows], dtype=np.float64)
    y = np.asarray([_is(r[1], positive) for r in rows], dtype=bool)
    keep = np.isfinite(s)
    return Pairs(s[keep], y[keep], int((~keep).sum()))


def _is(value: Any, positive: Any) -> bool:
    return bool(value == positive or str(value) == str(positive))


def estimate(
    metric: str, counts: Counts | None, pairs: Pairs | None, level: float
) -> tuple[cl.Estimate | None, str | None]:
    """The metric's estimate, or why it is undefined."""
    if metric in PROPORTIONS:
        assert counts is not None
        k, n = counts.pair(metric)
        return (cl.wilson(k, n, level), None) if n else (None, UNDEFINED[metric])
    assert pairs is not None
    n, n_pos = len(pairs.scores), int(pairs.positive.sum())
    if metric == "auc":
        if n_pos == 0 or n_pos == n:
            return None, f"only one class among {n} labels ({n_pos} positive): AUC is undefined"
        if min(n_pos, n - n_pos) < MIN_CLASS:
            return None, (
                f"{n_pos} positive and {n - n_pos} negative labels: the AUC's interval needs "
                f"{MIN_CLASS} of each to hold its level"
            )
        return cl.auc(pairs.scores, pairs.positive, level), None
    if n < MIN_BRIER:
        return None, f"{n} labelled score(s): the Brier score's interval needs {MIN_BRIER}"
    return cl.brier(pairs.scores, pairs.positive, level), None


def difference_ci(
    metric: str, cur: cl.Estimate, ref: cl.Estimate, level: float
) -> tuple[float, float]:
    """CI of cur - ref at ``level`` (two-sided; LabelQuality asks 1 - 2 alpha so that each end
    is a one-sided test at alpha): Agresti-Caffo for proportions, normal for AUC (DeLong SEs)
    and Brier (ADR 0123)."""
    if metric in PROPORTIONS:
        return cl.agresti_caffo(cur, ref, level)
    return cl.normal_diff(cur, ref, level)


@dataclass(frozen=True, slots=True)
class Verdict:
    status: str  # pass | fail | inconclusive
    worse: float  # how much worse the day is (a drop; for Brier a rise)
    worse_ci: tuple[float, float]
    why: str


def verdict(
    metric: str, cur: cl.Estimate, ref: cl.Estimate, ci: tuple[float, float], min_effect: float
) -> Verdict:
    """fail: worse >= min_effect and the CI's lower end above 0; pass: the CI's upper end below
    min_effect (no worsening of min_effect is compatible with the labels); else inconclusive
    (the CI reaches min_effect: too few labels, or a real worsening that may reach it)."""
    lower = metric in LOWER_IS_BETTER
    worse = cur.value - ref.value if lower else ref.value - cur.value
    lo, hi = ci if lower else (-ci[1], -ci[0])
    word = "rise" if lower else "drop"
    span = f"[{lo:.3g}, {hi:.3g}]"
    if worse >= min_effect - 1e-12 and lo > 0:
        why = f"{word} {worse:.3g} {span} >= min_effect {min_effect:g}, its CI above 0"
        return Verdict("fail", worse, (lo, hi), why)
    if hi >= min_effect:
        if lo <= 0:
            why = (
                f"too few labels to tell: the CI of the {word} {span} holds both 0 and "
                f"min_effect {min_effect:g}"
            )
        else:
            why = (
                f"{word} {worse:.3g} {span} is real and its CI reaches min_effect "
                f"{min_effect:g}: it may be as large"
            )
        return Verdict("inconclusive", worse, (lo, hi), why)
    if worse <= 0 or lo <= 0:
        why = f"{word} {worse:.3g} {span}: no worsening of min_effect {min_effect:g}"
    else:
        why = f"{word} {worse:.3g} {span} is real but its CI is below min_effect {min_effect:g}"
    return Verdict("pass", worse, (lo, hi), why)


def finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
