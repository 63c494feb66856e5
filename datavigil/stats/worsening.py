"""The one-sided p-value of "no worsening" that matches LabelQuality's CI of the change (ADR
0123, 0132), so that a family of slices can be Holm-adjusted (datavigil.stats.multitest.holm).

LabelQuality fails a metric when the lower end of the CI of its worsening, at 1 - 2 alpha
two-sided, is above 0: a one-sided test at alpha. ``worse_p`` is that test's p-value: it is
below alpha exactly when that end is above 0 (tested), for Agresti-Caffo's interval of two
proportions (accuracy, precision, recall) and the normal one of two estimates with standard
errors (AUC by DeLong, Brier).
"""

from __future__ import annotations

import math
from typing import Any


def _phi(x: float) -> float:
    """The standard normal CDF."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def worse_p(cur: Any, ref: Any, proportion: bool, lower_is_better: bool) -> float:
    """p-value of H0 "the metric is not worse than the reference's" from two independent
    estimates (``classification.Estimate``): Agresti-Caffo's z for proportions (one success
    and one failure added to each side), else the normal z of the difference."""
    if proportion:
        k1, k2 = round(cur.value * cur.n), round(ref.value * ref.n)
        p1, p2 = (k1 + 1) / (cur.n + 2), (k2 + 1) / (ref.n + 2)
        se = math.sqrt(p1 * (1 - p1) / (cur.n + 2) + p2 * (1 - p2) / (ref.n + 2))
        worse, raw = p2 - p1, ref.value - cur.value
        if raw <= 0:  # the interval is widened to hold the plain difference: no worsening seen
            return 1.0
    else:
        se = math.hypot(cur.se, ref.se)
        worse = cur.value - ref.value if lower_is_better else ref.value - cur.value
    if se == 0:
        return 0.0 if worse > 0 else 1.0
    return _phi(-worse / se)
