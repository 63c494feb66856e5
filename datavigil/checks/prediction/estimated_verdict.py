"""EstimatedQuality's decision (issue 20 item 3, ADR 0137), pure: the judged period's scores and
the reference's labelled scores in, one outcome per metric out. benchmarks/cbpe_sim.py measures
its error rates through ``judge`` itself.

* the reference's calibration (datavigil.stats.cbpe.calibration) must be shown: the upper end
  of its ECE interval <= ``max_ece``; else the estimate is ``inconclusive`` (unreliable), never
  pass or fail: CBPE's estimate is only as good as the calibration;
* the estimate's interval is for the period's realized value (the Bernoulli sum; for AUC
  Hanley-McNeil); the estimate is compared with the reference's realized value as two
  estimates of the metric over their populations: the CI of estimate - reference is normal
  (the estimate's population SE, cbpe.Estimated.se_mean; the reference's binomial or DeLong),
  two-sided at 1 - 2 alpha so that each end is a one-sided
  test at alpha; fail, pass and inconclusive as LabelQuality's (quality.verdict).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from datavigil.checks.prediction.base import rows
from datavigil.checks.prediction.quality import MIN_CLASS, verdict
from datavigil.core.outcome import Outcome, Status
from datavigil.stats import cbpe
from datavigil.stats.classification import Estimate, auc, z_of


@dataclass(frozen=True)
class Settings:
    threshold: float = 0.5
    min_effect: float = 0.05
    bins: int = 10
    max_ece: float = 0.05
    level: float = 0.95  # 1 - alpha
    prefix: str = "estimated"


@dataclass
class Sides:
    """The judged period's scores, the reference's labelled scores, and (once their labels
    arrived) the matured period's scores and labelled scores."""

    scores: Any
    ref_scores: Any
    ref_positive: Any
    label: str = ""
    ref_label: str = ""
    matured: tuple[Any, Any, Any] | None = None  # (scores, labelled scores, their labels)
    matured_label: str = ""
    details: dict[str, Any] = field(default_factory=dict)


def estimate_of(metric: str, scores: Any, threshold: float) -> cbpe.Estimated | None:
    if len(scores) == 0:
        return None
    return cbpe.accuracy(scores, threshold) if metric == "accuracy" else cbpe.auc(scores)


def realized_of(metric: str, scores: Any, positive: Any, threshold: float) -> Estimate | None:
    """The labels' value with its SE (binomial; DeLong for AUC), None when undefined."""
    n = len(scores)
    if metric == "accuracy":
        if n == 0:
            return None
        a = cbpe.realized_accuracy(scores, positive, threshold)
        return Estimate(a, (a, a), n, math.sqrt(a * (1 - a) / n))
    n_pos = int(sum(bool(x) for x in positive))
    if min(n_pos, n - n_pos) < MIN_CLASS:
        return None
    return auc(scores, positive)


def _ci(value: float, se: float, level: float) -> tuple[float, float]:
    half = z_of(level) * se
    return value - half, value + half


def judge(metric: str, sides: Sides, s: Settings) -> Outcome:
    """The outcome of ``metric`` (accuracy or auc) for the judged period."""
    cal = cbpe.calibration(sides.ref_scores, sides.ref_positive, s.bins, s.level)
    state = cal.state(s.max_ece)
    est = estimate_of(metric, sides.scores, s.threshold)
    ref = realized_of(metric, sides.ref_scores, sides.ref_positive, s.threshold)
    name = f"estimated {metric} of {sides.label}"
    details, metrics, matured = _recorded(metric, sides, s, est, ref)
    details["calibration"] = _cal_details(cal, state, s)
    if est is None or ref is None:
        why = (f"no expected positives or negatives among {len(sides.scores)} scores"
               if ref is not None else "undefined in the reference period (too few labels of "
               f"each class: {MIN_CLASS} needed)")  # fmt: skip
        return Outcome(Status.INCONCLUSIVE, f"{name}: {why}", details={**details, "problem": why},
                       metrics=metrics)  # fmt: skip
    ci = details["ci"]
    shown = f"{est.value:.4g} [{ci[0]:.4g}, {ci[1]:.4g}] (n={est.n})"
    if state != "calibrated":
        why = _unreliable(cal, state, s)
        return Outcome(Status.INCONCLUSIVE, f"{name}: {shown} is unreliable: {why}",
                       observed_value=est.value, rows_checked=est.n,
                       details={**details, "unreliable": why}, metrics=metrics)  # fmt: skip
    change = max(0.0, 2 * s.level - 1)
    diff = est.value - ref.value
    dci = _ci(diff, math.hypot(est.se_mean, ref.se or 0.0), change)
    v = verdict(metric, est, ref, dci, s.min_effect)  # type: ignore[arg-type]
    details.update(difference=diff, difference_ci=list(dci), worse=v.worse,
                   worse_ci=list(v.worse_ci), verdict=v.status, change_level=change)  # fmt: skip
    message = (
        f"{name}: {shown} from the scores alone vs the reference {sides.ref_label}'s realized "
        f"{ref.value:.4g} (n={ref.n}); change: {100 * change:.4g}% CI, each end a one-sided "
        f"test at alpha {1 - s.level:.4g}: {v.status}: {v.why}{matured}"
    )
    return Outcome(Status(v.status), message, observed_value=est.value,
                   threshold=f"drop: its CI's upper end < {s.min_effect:g}", rows_checked=est.n,
                   effect_size=diff, details=details, metrics=metrics)  # fmt: skip


def _recorded(
    metric: str, sides: Sides, s: Settings, est: cbpe.Estimated | None, ref: Estimate | None
) -> tuple[dict[str, Any], tuple, str]:
    """The details and run_metrics rows of the estimate, the reference's realized value and
    the matured period's realized value beside its estimate; the latter as a sentence."""
    details: dict[str, Any] = {**sides.details, "metric": metric, "min_effect": s.min_effect}
    extra = _matured_rows(metric, sides, s)
    details.update(extra[1])
    values: dict[str, Any] = {}
    if est is not None:
        ci = _ci(est.value, est.se, s.level)
        details.update(value=est.value, ci=list(ci), se=est.se, se_mean=est.se_mean, n=est.n)
        values = {"": est.value, ".ci_low": ci[0], ".ci_high": ci[1]}
    if ref is not None:
        details.update(reference_value=ref.value, reference_n=ref.n, reference_se=ref.se)
        values[".reference"] = ref.value
    return details, rows(f"{s.prefix}.{metric}", None, sides.label, values) + extra[0], extra[2]


def _cal_details(cal: cbpe.Calibration, state: str, s: Settings) -> dict[str, Any]:
    return {"state": state, "ece": cal.ece, "ece_ci": [cal.low, cal.high], "n": cal.n,
            "max_ece": s.max_ece, "bins": [list(b) for b in cal.bins]}  # fmt: skip


def _unreliable(cal: cbpe.Calibration, state: str, s: Settings) -> str:
    span = f"ECE {cal.ece:.3g} [{cal.low:.3g}, {cal.high:.3g}] over {cal.n} labelled predictions"
    if state == "miscalibrated":
        return (f"the scores are not calibrated on the reference: {span}, above max_ece "
                f"{s.max_ece:g}; CBPE needs calibrated scores")  # fmt: skip
    return (f"the reference's calibration is not shown: {span} reaches max_ece {s.max_ece:g} "
            "(too few labels to tell); CBPE needs calibrated scores")  # fmt: skip


def _matured_rows(metric: str, sides: Sides, s: Settings) -> tuple[tuple, dict[str, Any], str]:
    """The realized value of the period whose labels arrived, beside its estimate: run_metrics
    rows ``<prefix>.realized.<metric>`` and ``<prefix>.realized.<metric>.estimate``."""
    if sides.matured is None:
        return (), {}, ""
    scores, labelled, positive = sides.matured
    est = estimate_of(metric, scores, s.threshold)
    real = realized_of(metric, labelled, positive, s.threshold) if len(labelled) else None
    if est is None or real is None:
        return (), {}, ""
    key = f"{s.prefix}.realized.{metric}"
    got = rows(key, None, sides.matured_label, {"": real.value, ".estimate": est.value,
                                                  ".labelled": len(labelled)})  # fmt: skip
    info = {"matured_period": sides.matured_label, "realized": real.value,
            "realized_n": real.n, "estimated_then": est.value}  # fmt: skip
    text = (f"; {sides.matured_label}, whose labels arrived: realized {real.value:.4g} "
            f"(n={real.n}), estimated {est.value:.4g}")  # fmt: skip
    return got, info, text
