"""EstimatedQuality: a model's accuracy and ROC AUC estimated from its scores before the labels
arrive (CBPE; issue 20 item 3, ADR 0137).

The run's own days are judged: their scores (a Sample bounded by ``max_rows``) give CBPE's
estimate, compared with the realized value of the reference period (``reference=``, as every
prediction-log check: the ``reference_days`` before, a Rolling, a Period or a snapshot), whose
labelled (score, label) pairs also show whether the scores are calibrated (reliability bins,
ECE with an interval). The decision is estimated_verdict.judge. The period whose labels are due
(the run's days shifted back by the log's ``label_delay``, from the run's window, never the
clock) is read too: its realized value lands in run_metrics beside its estimate
(``<name>.realized.<metric>`` and ``<name>.realized.<metric>.estimate``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from datavigil.checks.base import CheckContext, number_problem
from datavigil.checks.prediction.base import (
    PredictionCheck,
    arrival_zone,
    days_problem,
    level_problem,
    metrics_problem,
    period_values,
    scan_values,
)
from datavigil.checks.prediction.estimated_verdict import Settings, Sides, judge
from datavigil.checks.prediction.pinned import reference_problems, resolve
from datavigil.checks.prediction.quality import pairs_of
from datavigil.core.outcome import CheckResult, Outcome, Status
from datavigil.declare.window import Window
from datavigil.engine import metrics as m

METRICS = ("accuracy", "auc")
MAX_ROWS = 200_000


@dataclass
class EstimatedInputs:
    sides: Sides | None = None
    settings: Settings | None = None
    problem: Outcome | None = None  # every metric's outcome when the period cannot be judged


@dataclass(frozen=True)
class EstimatedQuality(PredictionCheck):
    """``metrics``: accuracy and/or auc. ``min_effect``: the smallest estimated drop that fails.
    ``bins``: reliability bins for the reference's calibration; ``max_ece``: the expected
    calibration error the scores may have there. ``threshold``: a score at or above it predicts
    the positive class. ``alpha``: 1 - the CI level (None: the suite's). ``max_rows``: scores
    read per period (above it: error)."""

    metrics: tuple[str, ...] = METRICS  # type: ignore[assignment]  # the run's day is not scanned
    reference: Any = None
    reference_days: int = 28
    min_effect: float = 0.05
    bins: int = 10
    max_ece: float = 0.05
    threshold: float = 0.5
    alpha: float | None = None
    max_rows: int = MAX_ROWS

    check_type = "prediction.estimated"
    needs_scan = False  # read in prepare(): the run's days, the reference, the matured days
    needs_rows = False
    compares_days = True

    def default_name(self) -> str:
        return "estimated"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = metrics_problem(self.metrics, METRICS)
        out += days_problem(self.reference_days) + level_problem(self.alpha)
        out += number_problem("min_effect", self.min_effect, 0, 1)
        out += number_problem("max_ece", self.max_ece, 0, 1)
        out += number_problem("threshold", self.threshold, 0, 1)
        for key, low in (("bins", 2), ("max_rows", 1)):
            v = getattr(self, key)
            if not isinstance(v, int) or isinstance(v, bool) or v < low:
                out.append(f"{key} must be an integer >= {low}, got {v!r}")
        return out + reference_problems(self.reference, self.reference_days)

    def needed(self) -> tuple[str, ...]:
        return ("score", "label")

    def log_problems(self, suite: Any) -> list[str]:
        out = super().log_problems(suite)
        if suite.partition_unit not in ("day", "week"):
            out.append(f"judges whole days: use it in a daily or weekly suite, not "
                       f"partition_unit={suite.partition_unit!r}")  # fmt: skip
        log = suite.prediction_log
        if log is not None and log.score_range is not None and tuple(log.score_range) != (0, 1):
            out.append("EstimatedQuality needs probabilities: prediction_log.score_range must be "
                       f"(0, 1), got {log.score_range!r}")  # fmt: skip
        return out

    def metric_names(self) -> list[str]:
        return [f"{self.name or 'estimated'}.{x}" for x in self.metrics]

    def settings(self, suite_alpha: float) -> Settings:
        alpha = self.alpha if self.alpha is not None else suite_alpha
        return Settings(self.threshold, self.min_effect, self.bins, self.max_ece, 1 - alpha,
                        self.name or "estimated")  # fmt: skip

    def _scores(self) -> m.Sample:
        s = self.log.score
        ok = m.And((m.Not(m.IsNull(s)), m.Cmp(s, ">=", 0), m.Cmp(s, "<=", 1)))
        return m.Sample((s,), self.max_rows + 1, where=ok)

    def _labelled(self, cutoff: Any, zone: str) -> m.Sample:
        log = self.log
        arrived: Any = m.Not(m.IsNull(log.label))
        if log.label_at is not None:
            arrived = m.And((arrived, m.Before(log.label_at, cutoff, zone)))
        where = m.And((arrived, self._scores().where))
        return m.Sample((log.score, log.label), self.max_rows + 1, where=where)

    def prepare(self, env: Any) -> EstimatedInputs:
        suite, window = env.suite, env.window
        days, zone = window.days, arrival_zone(suite)
        label = days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"
        period = resolve(self, env, days[0])
        if period.problem is not None:
            return EstimatedInputs(problem=replace(period.problem, details=period.details()))
        scores, labelled = self._scores(), self._labelled(window.end, zone)
        judged = scan_values(env, window, [m.RowCount(), scores])
        ref, _ = period_values(env, period.first, period.last, [m.RowCount(), labelled])
        last = days[-1] - timedelta(days=self.log.delay_days)
        first = last - timedelta(days=len(days) - 1)
        matured = scan_values(env, Window.span(first, last, suite.timezone), [scores, labelled])
        try:
            problem = period.stale(int(ref.get(m.RowCount())))
            problem = problem or self._capped(judged.get(scores), ref.get(labelled), label,
                                              period.label)  # fmt: skip
            if problem is not None:
                return EstimatedInputs(problem=replace(problem, details=period.details()))
            judged_scores = pairs_of([(r[0], 1) for r in judged.get(scores)], 1).scores
            ref_pairs = pairs_of(ref.get(labelled), self.log.positive)
            mat = self._matured(matured.get(scores), matured.get(labelled))
        except m.MetricError as exc:  # a metric the source cannot compute: every row's error
            return EstimatedInputs(problem=Outcome(Status.ERROR, f"{label}: {exc}"))
        details = {**period.details(), "judged_period": [str(days[0]), str(days[-1])]}
        span = f"{first}" if first == last else f"{first}..{last}"
        sides = Sides(judged_scores, ref_pairs.scores, ref_pairs.positive, label, period.label,
                      mat, span, details)  # fmt: skip
        return EstimatedInputs(sides, self.settings(suite.alpha), self._empty(sides))

    def _capped(self, judged: list, ref: list, label: str, ref_label: str) -> Outcome | None:
        for got, what in ((judged, f"scores on {label}"), (ref, f"labelled rows in {ref_label}")):
            if len(got) > self.max_rows:
                why = (f"more than max_rows={self.max_rows} {what}: CBPE reads every score; "
                       "raise max_rows or shorten the reference")  # fmt: skip
                return Outcome(Status.ERROR, why)
        return None

    def _matured(self, scores: list, labelled: list) -> tuple[Any, Any, Any] | None:
        if len(scores) > self.max_rows or len(labelled) > self.max_rows or not labelled:
            return None
        pairs = pairs_of(labelled, self.log.positive)
        return pairs_of([(r[0], 1) for r in scores], 1).scores, pairs.scores, pairs.positive

    def _empty(self, sides: Sides) -> Outcome | None:
        if len(sides.scores) == 0:
            why = f"no scored predictions on {sides.label}: nothing to estimate"
            return Outcome(Status.SKIPPED, why, rows_checked=0, details=sides.details)
        if len(sides.ref_scores) == 0:
            why = (f"skipped (warm-up): no labelled predictions in the reference "
                   f"{sides.ref_label} to check the scores' calibration")  # fmt: skip
            return Outcome(Status.SKIPPED, why, details=sides.details)
        return None

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        inputs: EstimatedInputs = ctx.prepared
        out = []
        for i, (metric, name) in enumerate(zip(self.metrics, self.metric_names(), strict=True)):
            if inputs.problem is not None:
                outcome = inputs.problem if i == 0 else replace(inputs.problem, metrics=())
            else:
                assert inputs.sides is not None and inputs.settings is not None
                outcome = judge(metric, inputs.sides, inputs.settings)
            out.append(self.result(outcome, name=name))
        return out

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        return self.results(values, ctx)[0].outcome
