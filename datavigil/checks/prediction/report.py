"""LabelQuality's rows: what gates the judging (no predictions, labels not all arrived, no
reference yet) and one outcome per metric, with its CI, the reference's, the CI of the change
and the rows it adds to run_metrics (group_key: the judged day)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from datavigil.checks.prediction.base import rows
from datavigil.checks.prediction.quality import (
    PROPORTIONS,
    Counts,
    difference_ci,
    estimate,
    verdict,
)
from datavigil.core.outcome import Outcome, Status


@dataclass
class Side:
    """What one scan measured: rows, labels arrived, counts, pairs (or why there are none)."""

    rows: int
    arrived: int
    counts: Counts | None
    pairs: Any  # prediction_quality.Pairs | None
    problem: str | None = None  # the pairs could not be read (over the cap)
    bad: dict[str, int] = field(default_factory=dict)  # rows per contract kind (ADR 0123)
    slices: dict[str, Any] | None = None  # slice value -> slices.Slice (``by=``)


@dataclass
class LabelInputs:
    judged: date
    cutoff: Any  # the run's window end: the labels that arrived before it count
    first: date  # the reference period
    last: date
    level: float
    day: Side | None = None
    reference: Side | None = None
    error: str | None = None
    prefix: str = "labels"  # the check's name: its rows and run_metrics are <prefix>.<metric>
    judged_first: date | None = None  # the judged period's first day (None: ``judged`` alone)
    ref_details: dict[str, Any] = field(default_factory=dict)  # pinned.RefPeriod.details()
    ref_label: str = ""  # the reference as messages name it
    problem: Outcome | None = None  # the pinned reference cannot be used (every row's outcome)

    @property
    def label(self) -> str:
        """The judged period: ``2013-03-10`` or ``2013-03-04..2013-03-10``."""
        first = self.judged_first or self.judged
        return self.judged.isoformat() if first == self.judged else f"{first}..{self.judged}"

    @property
    def change_level(self) -> float:
        """The two-sided level of the CI of the change, 1 - 2 alpha: each end is a one-sided
        test at alpha (ADR 0123)."""
        return max(0.0, 2 * self.level - 1)

    def common(self) -> dict[str, Any]:
        d, r = self.day, self.reference
        assert d is not None and r is not None
        out: dict[str, Any] = {
            "judged_day": self.judged.isoformat(), "labels_before": self.cutoff.isoformat(),
            "judged_period": [(self.judged_first or self.judged).isoformat(),
                              self.judged.isoformat()],
            "reference_period": [self.first.isoformat(), self.last.isoformat()],
            **self.ref_details,
            "rows": d.rows, "arrived": d.arrived,
            "share_arrived": d.arrived / d.rows if d.rows else None,
            "reference_rows": r.rows, "reference_arrived": r.arrived, "level": self.level,
        }  # fmt: skip
        if d.counts is not None and r.counts is not None:
            out["counts"] = vars_of(d.counts)
            out["reference_counts"] = vars_of(r.counts)
        return out

    def day_rows(self) -> tuple:
        """run_metrics rows shared by every metric (on the first one only)."""
        c = self.common()
        values: dict[str, Any] = {".rows": c["rows"], ".arrived": c["arrived"],
                                  ".share_arrived": c["share_arrived"]}  # fmt: skip
        for k, v in c.get("counts", {}).items():
            values[f".{k}"] = v
        return rows(self.prefix, None, self.label, values)


def vars_of(counts: Counts) -> dict[str, int]:
    return {"tp": counts.tp, "fp": counts.fp, "tn": counts.tn, "fn": counts.fn}


def skipped(inputs: LabelInputs, min_arrived: float) -> Outcome | None:
    """The outcome of every metric when the day cannot be judged, or None."""
    if inputs.problem is not None:
        return inputs.problem
    if inputs.error is not None:
        return Outcome(Status.ERROR, f"labels of {inputs.label}: {inputs.error}")
    d, r, j = inputs.day, inputs.reference, inputs.label
    assert d is not None and r is not None
    details, metrics = inputs.common(), inputs.day_rows()
    if d.rows == 0:
        why = f"no predictions on {j} (the days whose labels are due): nothing to judge"
        return Outcome(Status.SKIPPED, why, rows_checked=0, details=details, metrics=metrics)
    share = d.arrived / d.rows
    if share < min_arrived:
        why = (
            f"labels of {j}: {share:.1%} arrived ({d.arrived} of {d.rows}) before "
            f"{inputs.cutoff:%Y-%m-%d %H:%M} UTC, below min_arrived {min_arrived:g}: not judged "
            "on partial labels"
        )
        return Outcome(Status.SKIPPED, why, observed_value=share, threshold=f">= {min_arrived:g}",
                       rows_checked=d.rows, details=details, metrics=metrics)  # fmt: skip
    if r.arrived == 0:
        why = (
            f"skipped (warm-up): no labelled predictions in the reference {inputs.ref_label} "
            f"({r.rows} rows; judged: {j})"
        )
        return Outcome(Status.SKIPPED, why, rows_checked=d.rows, details=details, metrics=metrics)
    return None


def metric_outcome(metric: str, inputs: LabelInputs, min_effect: float, first: bool) -> Outcome:
    d, r = inputs.day, inputs.reference
    assert d is not None and r is not None
    details = {**inputs.common(), "metric": metric, "min_effect": min_effect}
    extra = inputs.day_rows() if first else ()
    label = f"{metric} of {inputs.label}"
    problem = None if metric in PROPORTIONS else (d.problem or r.problem)
    if problem is not None:
        return Outcome(Status.ERROR, f"{label}: {problem}", details=details, metrics=extra)
    cur, why = estimate(metric, d.counts, d.pairs, inputs.level)
    ref, ref_why = estimate(metric, r.counts, r.pairs, inputs.level)
    if cur is None or ref is None:
        reason = why if cur is None else f"undefined in the reference period: {ref_why}"
        return Outcome(Status.INCONCLUSIVE, f"{label}: {reason}", rows_checked=d.arrived,
                       details={**details, "problem": reason}, metrics=extra)  # fmt: skip
    ci = difference_ci(metric, cur, ref, inputs.change_level)
    v = verdict(metric, cur, ref, ci, min_effect)
    details.update(
        value=cur.value, ci=list(cur.ci), n=cur.n, reference_value=ref.value,
        reference_ci=list(ref.ci), reference_n=ref.n, difference=cur.value - ref.value,
        difference_ci=list(ci), worse=v.worse, worse_ci=list(v.worse_ci), verdict=v.status,
        method=METHOD[metric], change_level=inputs.change_level, alpha=1 - inputs.level,
    )  # fmt: skip
    pct, alpha = f"{100 * inputs.level:.4g}%", f"{1 - inputs.level:.4g}"
    message = (
        f"{label}: {cur.value:.4g} [{cur.ci[0]:.4g}, {cur.ci[1]:.4g}] (n={cur.n}) vs reference "
        f"{inputs.ref_label} {ref.value:.4g} [{ref.ci[0]:.4g}, {ref.ci[1]:.4g}] "
        f"(n={ref.n}), {pct} CIs; change: {100 * inputs.change_level:.4g}% CI, each end a "
        f"one-sided test at alpha {alpha}: {v.status}: {v.why}"
    )
    values = {"": cur.value, ".ci_low": cur.ci[0], ".ci_high": cur.ci[1],
              ".reference": ref.value}  # fmt: skip
    return Outcome(
        Status(v.status), message, observed_value=cur.value,
        threshold=f"{'rise' if metric == 'brier' else 'drop'}: its CI's upper end < {min_effect:g}",
        rows_checked=cur.n, effect_size=cur.value - ref.value, details=details,
        metrics=extra + rows(f"{inputs.prefix}.{metric}", None, inputs.label, values),
    )  # fmt: skip


METHOD = {
    "accuracy": "Wilson score CI; change: Agresti-Caffo CI",
    "precision": "Wilson score CI; change: Agresti-Caffo CI",
    "recall": "Wilson score CI; change: Agresti-Caffo CI",
    "auc": "Mann-Whitney AUC (ties 1/2), DeLong SE, normal CI; change: normal, independent days",
    "brier": "mean squared error, normal CI from the per-row errors; change: normal",
}
