"""LabelQuality: the predictions of a day whose labels have arrived, against a reference period
(issue 12, ADR 0102).

The run of day D judges day J = D - ``label_delay`` (the run's window, never the clock: a
backfill of D months later judges the same J with the same labels). A label counts as arrived
when it is not NULL and ``label_at`` is before the end of the run's window (engine predicate
Before); without ``label_at``, when it is not NULL. J's window and the reference period (the
``reference_days`` days before J) are each read with one scan in ``prepare``: confusion counts
by CountWhere, and for AUC and Brier the (score, label) pairs of the labelled rows as a Sample
bounded by ``max_rows`` (above it, AUC and Brier are ``error`` naming the cap).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from datavigil.checks.base import CheckContext, number_problem
from datavigil.checks.prediction import contract
from datavigil.checks.prediction.base import (
    PredictionCheck,
    arrival_zone,
    days_problem,
    level_problem,
    metrics_problem,
    period_values,
    scan_values,
)
from datavigil.checks.prediction.broken import broken_outcome, take_out
from datavigil.checks.prediction.judged import judged_span, label_problems
from datavigil.checks.prediction.pinned import reference_problems, resolve
from datavigil.checks.prediction.quality import PROPORTIONS, RANKED, Counts, pairs_of
from datavigil.checks.prediction.report import LabelInputs, Side, metric_outcome, skipped
from datavigil.checks.prediction.slices import slice_outcome, slices_of
from datavigil.core.outcome import CheckResult, Outcome
from datavigil.declare.window import Window
from datavigil.engine import metrics as m

METRICS = ("accuracy", "precision", "recall", "auc", "brier")
MAX_ROWS = 200_000


def label_metrics(check: LabelQuality, cutoff: Any, zone: str, day_end: Any = None) -> dict:
    """The engine metrics of one side, by name: rows, arrived, TP/FP/TN/FN, the pairs, the
    rows that break the output contract per kind (ADR 0123) and, for the judged day
    (``day_end``: its window's end), the candidates of a label before its prediction."""
    log = check.log
    arrived: Any = m.Not(m.IsNull(log.label))
    if log.label_at is not None:
        arrived = m.And((arrived, m.Before(log.label_at, cutoff, zone)))
    out: dict[str, Any] = {
        "rows": m.RowCount(),
        "arrived": m.CountWhere(arrived, "labels arrived"),
    }
    preds = contract.kinds(log, check.needed())
    for key, pred in preds.items():
        out[f"bad:{key}"] = m.CountWhere(m.And((arrived, pred)), f"labels {key}")
    if set(check.metrics) & set(PROPORTIONS):
        out.update(_cells(log, arrived, contract.valid(preds, contract.CLASS_KINDS)))
    if set(check.metrics) & set(RANKED):
        ok = contract.valid(preds, (*contract.SCORE_KINDS, "label_class"))
        out["bad:score_null"] = m.CountWhere(m.And((arrived, m.IsNull(log.score))),
                                             "labels score_null")  # fmt: skip
        where = m.And((arrived, m.Not(m.IsNull(log.score)), *ok))
        out["pairs"] = m.Sample((log.score, log.label), check.max_rows + 1, where=where)
    if day_end is not None and log.label_at is not None:
        out["early"] = contract.early_sample(log, day_end, zone, arrived, check.max_rows)
    if check.by is not None:
        out["slices"] = _slice_sample(check, arrived, preds)
    return out


def _slice_sample(check: LabelQuality, arrived: Any, preds: dict[str, Any]) -> m.Sample:
    """(by, label[, predicted][, score]) of the arrived rows within the output contract."""
    log, cols, where = check.log, [check.by, check.log.label], [arrived]
    where += contract.valid(preds, (*contract.CLASS_KINDS, *contract.SCORE_KINDS))
    if set(check.metrics) & set(PROPORTIONS):
        cols.append(log.predicted)
        where.append(m.Not(m.IsNull(log.predicted)))
    if set(check.metrics) & set(RANKED):
        cols.append(log.score)
        where.append(m.Not(m.IsNull(log.score)))
    return m.Sample(tuple(cols), check.max_rows + 1, where=m.And(tuple(where)))


def _cells(log: Any, arrived: Any, ok: list[Any]) -> dict[str, Any]:
    """TP, FP, TN, FN over the arrived rows within the class contract, and the NULL
    predictions left out."""
    pos_label, neg_label = (
        m.Cmp(log.label, "==", log.positive),
        m.Cmp(log.label, "!=", log.positive),
    )
    pos, neg = m.Cmp(log.predicted, "==", log.positive), m.Cmp(log.predicted, "!=", log.positive)
    cells = {"tp": (pos, pos_label), "fp": (pos, neg_label), "tn": (neg, neg_label),
             "fn": (neg, pos_label)}  # fmt: skip
    out = {k: m.CountWhere(m.And((arrived, *ok, p, y)), f"labels {k}") for k, (p, y) in
           cells.items()}  # fmt: skip
    null = m.CountWhere(m.And((arrived, m.IsNull(log.predicted))), "labels predicted_null")
    return {**out, "bad:predicted_null": null}


def side_of(values: Any, named: dict[str, Any], check: LabelQuality, zone: str) -> Side:
    """One scan's measures; a metric that could not be computed is raised (an error row).
    The labels that arrived before their prediction are counted and taken out (ADR 0123)."""
    rows, arrived = int(values.get(named["rows"])), int(values.get(named["arrived"]))
    counts = None
    if "tp" in named:
        counts = Counts(*(int(values.get(named[k])) for k in ("tp", "fp", "tn", "fn")))
    pairs, problem = None, None
    if "pairs" in named:
        got = values.get(named["pairs"])
        if len(got) > check.max_rows:
            problem = (
                f"more than max_rows={check.max_rows} labelled rows: AUC and Brier need every "
                "(score, label) pair; raise max_rows or shorten reference_days"
            )
        else:
            pairs = pairs_of(got, check.log.positive)
    bad = {k[4:]: int(values.get(x)) for k, x in named.items() if k.startswith("bad:")}
    side = Side(rows, arrived, counts, pairs, problem, bad)
    if "early" in named:
        got = values.get(named["early"])
        if len(got) > check.max_rows:
            side.problem = side.problem or (
                f"more than max_rows={check.max_rows} labels arrived on the day of their "
                "prediction: each is read to compare label_at with predicted_at; raise max_rows"
            )
        else:
            take_out(side, contract.early_rows(check.log, named["early"], got, zone), check.log)
    if "slices" in named:
        _read_slices(side, values.get(named["slices"]), check)
    return side


def _read_slices(side: Side, got: list[Any], check: LabelQuality) -> None:
    if len(got) > check.max_rows:
        side.problem = side.problem or (
            f"more than max_rows={check.max_rows} labelled rows: slices by {check.by} need "
            "every labelled row; raise max_rows or shorten the reference"
        )
        return
    chosen = set(check.metrics)
    side.slices = slices_of(got, check.log.positive, bool(chosen & set(PROPORTIONS)),
                            bool(chosen & set(RANKED)))  # fmt: skip


@dataclass(frozen=True)
class LabelQuality(PredictionCheck):
    """``metrics``: any of accuracy, precision, recall, auc, brier. ``reference_days``: the
    days before the judged day compared with it. ``min_effect``: the smallest drop (for Brier:
    rise) that fails, in the metric's units. ``min_arrived``: the share of the judged day's
    predictions whose label must have arrived (below: skipped). ``alpha``: 1 - the CI level
    (None: the suite's). ``max_rows``: labelled rows read per side for AUC and Brier."""

    metrics: tuple[str, ...] = METRICS  # type: ignore[assignment]  # the run's day is not scanned
    reference_days: int = 28
    min_effect: float = 0.05
    min_arrived: float = 1.0
    alpha: float | None = None
    max_rows: int = MAX_ROWS
    window: str | int | None = None  # the judged days ("7d"); None: the run's own days
    reference: Any = None  # None/Rolling/Period/"active"/snapshot id (checks.prediction.pinned)
    by: str | None = None  # a column: each of its values (a slice) judged too
    min_slice: int = 100  # labelled rows a slice needs on each side to be judged

    check_type = "prediction.labels"
    needs_scan = False  # judged from prepare(): J and its reference, not the run's partition
    needs_rows = False
    compares_days = True

    def default_name(self) -> str:
        return "labels"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = metrics_problem(self.metrics, METRICS)
        out += days_problem(self.reference_days) + level_problem(self.alpha)
        out += number_problem("min_effect", self.min_effect, 0, 1)
        out += number_problem("min_arrived", self.min_arrived, 0, 1)
        cap = self.max_rows
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            out.append(f"max_rows must be an integer >= 1, got {cap!r}")
        out += label_problems(self) + reference_problems(self.reference, self.reference_days)
        return out

    def needed(self) -> tuple[str, ...]:
        need = ["label"]
        need += ["predicted"] if set(self.metrics) & set(PROPORTIONS) else []
        return tuple(need + (["score"] if set(self.metrics) & set(RANKED) else []))

    def log_problems(self, suite: Any) -> list[str]:
        out = super().log_problems(suite)
        if suite.partition_unit not in ("day", "week"):
            out.append(f"judges whole days: use it in a daily or weekly suite, not "
                       f"partition_unit={suite.partition_unit!r}")  # fmt: skip
        return out

    def metric_names(self) -> list[str]:
        prefix = self.name or "labels"
        whole = [f"{prefix}.{x}" for x in self.metrics]
        return whole + ([f"{prefix}.{x}.by_{self.by}" for x in self.metrics] if self.by else [])

    def prepare(self, env: Any) -> LabelInputs:
        suite, window = env.suite, env.window
        first, judged = judged_span(self, window)
        zone, day_window = arrival_zone(suite), Window.span(first, judged, suite.timezone)
        named = label_metrics(self, window.end, zone)
        day_named = label_metrics(self, window.end, zone, day_window.end)
        day = scan_values(env, day_window, list(day_named.values()))
        period = resolve(self, env, first)
        alpha = self.alpha if self.alpha is not None else suite.alpha
        inputs = LabelInputs(judged, window.end, period.first, period.last, 1 - alpha)
        inputs.prefix, inputs.judged_first = self.name or "labels", first
        inputs.ref_details, inputs.ref_label = period.details(), period.label
        inputs.problem = period.problem
        if period.problem is not None:
            return inputs
        ref, _ = period_values(env, period.first, period.last, list(named.values()))
        try:
            inputs.day = side_of(day, day_named, self, zone)
            inputs.reference = side_of(ref, named, self, zone)
        except m.MetricError as exc:  # a metric the source cannot compute: every row's error
            inputs.error = str(exc)
            return inputs
        inputs.problem = period.stale(inputs.reference.rows)
        return inputs

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        inputs: LabelInputs = ctx.prepared
        gate = skipped(inputs, self.min_arrived)
        out = []
        for i, (metric, name) in enumerate(zip(self.metrics, self.metric_names(), strict=False)):
            if gate is not None:
                outcome = gate if i == 0 else replace(gate, metrics=())  # the rows once
            else:
                outcome = metric_outcome(metric, inputs, self.min_effect, first=i == 0)
            outcome = broken_outcome(metric, inputs, outcome, self.log)
            out.append(self.result(outcome, name=name))
        if self.by is not None:
            out += self._slice_results(inputs, gate)
        return out

    def _slice_results(self, inputs: LabelInputs, gate: Outcome | None) -> list[CheckResult]:
        names = self.metric_names()[len(self.metrics) :]
        out = []
        for metric, name in zip(self.metrics, names, strict=True):
            if gate is not None:
                outcome = replace(gate, metrics=())
            else:
                outcome = slice_outcome(metric, inputs, self)
            out.append(self.result(outcome, name=name))
        return out

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        return self.results(values, ctx)[0].outcome
