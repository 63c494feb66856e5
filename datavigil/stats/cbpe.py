"""Confidence-based performance estimation (CBPE, as NannyML describes it; issue 20 item 3, ADR
0137): a binary classifier's accuracy and ROC AUC estimated from its calibrated scores alone,
before the labels arrive, and the calibration check that the estimate rests on. Pure: arrays
in, numbers out.

With calibrated scores (P(y = 1 | score = p) = p), row i is classified correctly with
probability q_i = p_i when p_i >= threshold (predicted positive), else 1 - p_i, independently
of the other rows. So the period's realized accuracy (1/n) sum c_i, c_i ~ Bernoulli(q_i), has
expectation mean(q) (the estimate) and, given the scores, variance sum q_i (1 - q_i) / n^2: the
interval of the estimate is the normal one of that Bernoulli sum.

The expected ROC curve puts, at each threshold, sum p_i above it as expected true positives and
sum (1 - p_i) as expected false positives (CBPE's expected confusion matrix); its area, ties
counted one half, is sum over score values u of P_u (N_below(u) + N_u / 2) / (P N) with
P_u = sum of p over the rows scoring u, N_u = sum of 1 - p, P and N the totals. Its standard
error is Hanley and McNeil's (1982) with the expected class counts P and N: an approximation
(the measured coverage is in docs/how-to/model-monitoring.md).

To compare periods, the estimate is one of the metric over the population the rows are drawn
from: accuracy's SE is then sd(q) / sqrt(n); AUC = u / (pi nu), u = U / n^2, pi = P / n,
nu = N / n, is a ratio of V-statistics and its SE the delta method's, sqrt(sum IF_i^2) / n with
the influence IF_i = 2 (g_i - u) / (pi nu) - AUC ((p_i - pi) / pi + (1 - p_i - nu) / nu),
g_i = (p_i N_lower(i) + (1 - p_i) P_higher(i)) / (2 n) (ties one half).

Calibration on the reference: reliability bins of equal width over [0, 1]; in bin b, n_b rows,
mean score s_b, share of positive labels y_b, d_b = y_b - s_b; ECE = sum (n_b / n) |d_b|.
Its interval is analytic: with e_b the sampling error of y_b (SE se_b from the plug-in
(k_b + 1) / (n_b + 2)), |ECE_hat - ECE| <= sum w_b |e_b|, whose mean is sqrt(2 / pi) sum w_b
se_b and variance (1 - 2 / pi) sum w_b^2 se_b^2; each end of the interval is ECE_hat minus or
plus that mean plus z sd (z one-sided at ``level``): conservative by the triangle inequality.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Estimated:
    """An estimated metric; ``se``: the standard error of the period's realized value around
    it (what the labels of these rows will show); ``se_mean``: its standard error as an estimate
    of the metric over the population the rows are drawn from (to compare periods)."""

    value: float
    se: float
    n: int
    se_mean: float


def correct_probability(scores: Any, threshold: float = 0.5) -> Any:
    """q_i: the probability that row i is classified correctly, under calibration."""
    import numpy as np

    s = np.asarray(scores, dtype=np.float64)
    return np.where(s >= threshold, s, 1.0 - s)


def accuracy(scores: Any, threshold: float = 0.5) -> Estimated:
    """CBPE's accuracy: mean(q); SE sqrt(sum q (1 - q)) / n (the Bernoulli sum) for the
    realized value, sd(q) / sqrt(n) for the population's; n > 0."""
    import numpy as np

    q = correct_probability(scores, threshold)
    n = len(q)
    spread = float(q.std(ddof=1)) / math.sqrt(n) if n > 1 else 0.0
    return Estimated(float(q.mean()), math.sqrt(float(np.sum(q * (1 - q)))) / n, n, spread)


def realized_accuracy(scores: Any, positive: Any, threshold: float = 0.5) -> float:
    """The labels' accuracy of the predictions score >= threshold (n > 0)."""
    import numpy as np

    predicted = np.asarray(scores, dtype=np.float64) >= threshold
    return float(np.mean(predicted == np.asarray(positive, dtype=bool)))


def auc(scores: Any) -> Estimated | None:
    """CBPE's ROC AUC: the area under the expected ROC curve (ties one half), Hanley-McNeil
    SE at the expected class counts; None when a class is expected to be empty."""
    import numpy as np

    s = np.asarray(scores, dtype=np.float64)
    values, inverse = np.unique(s, return_inverse=True)  # ascending
    pos = np.bincount(inverse, weights=s, minlength=len(values))
    neg = np.bincount(inverse, weights=1.0 - s, minlength=len(values))
    p_total, n_total = float(pos.sum()), float(neg.sum())
    if p_total <= 0 or n_total <= 0:
        return None
    lower = np.cumsum(neg) - neg / 2  # expected negatives scoring lower, ties one half
    higher = p_total - np.cumsum(pos) + pos / 2  # expected positives scoring higher
    a = float(np.sum(pos * lower) / (p_total * n_total))
    g = s * lower[inverse] + (1 - s) * higher[inverse]  # row i's share of the pairs, x 2n
    n = len(s)
    pi, nu = p_total / n, n_total / n
    influence = (g / n - 2 * a * pi * nu) / (pi * nu) - a * ((s - pi) / pi + (1 - s - nu) / nu)
    spread = math.sqrt(float(np.sum(influence * influence))) / n
    return Estimated(a, hanley_mcneil(a, p_total, n_total), n, spread)


def hanley_mcneil(a: float, n_pos: float, n_neg: float) -> float:
    """Hanley and McNeil's (1982) SE of an AUC ``a`` from ``n_pos`` and ``n_neg`` cases."""
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    spread = a * (1 - a) + (n_pos - 1) * (q1 - a * a) + (n_neg - 1) * (q2 - a * a)
    var = spread / (n_pos * n_neg)
    return math.sqrt(max(var, 0.0))


@dataclass(frozen=True, slots=True)
class Calibration:
    """The reference's reliability: ECE, its interval, and the bins (n, mean score, share of
    positives)."""

    ece: float
    low: float
    high: float
    n: int
    bins: tuple[tuple[int, float, float], ...]

    def state(self, max_ece: float) -> str:
        """calibrated (the interval's upper end <= max_ece), miscalibrated (its lower end
        above it) or unknown (the interval holds max_ece: too few labels to tell)."""
        if self.high <= max_ece:
            return "calibrated"
        return "miscalibrated" if self.low > max_ece else "unknown"


def calibration(scores: Any, positive: Any, bins: int, level: float) -> Calibration:
    """Reliability bins of equal width over [0, 1] and the ECE with its analytic interval
    (module docstring); ``level`` is each end's one-sided level. n > 0."""
    import numpy as np
    from scipy import special

    s = np.clip(np.asarray(scores, dtype=np.float64), 0.0, 1.0)
    y = np.asarray(positive, dtype=np.float64)
    idx = np.minimum((s * bins).astype(np.int64), bins - 1)
    n_b = np.bincount(idx, minlength=bins).astype(np.float64)
    s_sum = np.bincount(idx, weights=s, minlength=bins)
    y_sum = np.bincount(idx, weights=y, minlength=bins)
    used = n_b > 0
    n_b, s_sum, y_sum = n_b[used], s_sum[used], y_sum[used]
    n = float(n_b.sum())
    w, d = n_b / n, (y_sum - s_sum) / n_b
    plug = (y_sum + 1) / (n_b + 2)
    se = np.sqrt(plug * (1 - plug) / n_b)
    ece = float(np.sum(w * np.abs(d)))
    mean = math.sqrt(2 / math.pi) * float(np.sum(w * se))
    sd = math.sqrt((1 - 2 / math.pi) * float(np.sum(w * w * se * se)))
    z = float(special.ndtri(level))
    table = tuple(
        (int(k), float(a / k), float(b / k)) for k, a, b in zip(n_b, s_sum, y_sum, strict=True)
    )
    return Calibration(ece, max(0.0, ece - mean - z * sd), ece + mean + z * sd, int(n), table)
