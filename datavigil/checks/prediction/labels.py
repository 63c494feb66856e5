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
from datetime import timedelta
from typing import Any

from datavigil.checks.base import CheckContext, number_problem
from datavigil.checks.prediction import contract
from datavigil.checks.prediction.base import (
    PredictionCheck,
    arrival_zone,
    days_problem,
    level_problem,
    scan_values,
    span_values,
)
from datavigil.checks.prediction.broken import broken_outcome, take_out
from datavigil.checks.prediction.quality import PROPORTIONS, RANKED, Counts, pairs_of
from datavigil.checks.prediction.report import LabelInputs, Side, metric_outcome, skipped
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
    return out


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
    return side


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

    check_type = "prediction.labels"
    needs_scan = False  # judged from prepare(): J and its reference, not the run's partition
    needs_rows = False
    compares_days = True

    def default_name(self) -> str:
        return "labels"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        chosen = tuple(self.metrics) if isinstance(self.metrics, list | tuple) else ()
        out = []
        if not chosen or not set(chosen) <= set(METRICS) or len(set(chosen)) != len(chosen):
            names = ", ".join(METRICS)
            out.append(f"metrics must be distinct names among {names}, got {self.metrics!r}")
        out += days_problem(self.reference_days) + level_problem(self.alpha)
        out += number_problem("min_effect", self.min_effect, 0, 1)
        out += number_problem("min_arrived", self.min_arrived, 0, 1)
        cap = self.max_rows
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            out.append(f"max_rows must be an integer >= 1, got {cap!r}")
        return out

    def needed(self) -> tuple[str, ...]:
        need = ["label"]
        need += ["predicted"] if set(self.metrics) & set(PROPORTIONS) else []
        return tuple(need + (["score"] if set(self.metrics) & set(RANKED) else []))

    def log_problems(self, suite: Any) -> list[str]:
        out = super().log_problems(suite)
        if suite.partition_unit != "day":
            out.append(f"judges whole days: use it in a daily suite, not partition_unit="
                       f"{suite.partition_unit!r}")  # fmt: skip
        return out

    def metric_names(self) -> list[str]:
        prefix = self.name or "labels"
        return [f"{prefix}.{x}" for x in self.metrics]

    def prepare(self, env: Any) -> LabelInputs:
        suite, window = env.suite, env.window
        judged = window.day - timedelta(days=self.log.delay_days)
        zone, day_window = arrival_zone(suite), Window.for_day(judged, suite.timezone)
        named = label_metrics(self, window.end, zone)
        day_named = label_metrics(self, window.end, zone, day_window.end)
        day = scan_values(env, day_window, list(day_named.values()))
        ref, span = span_values(env, judged, self.reference_days, list(named.values()))
        alpha = self.alpha if self.alpha is not None else suite.alpha
        inputs = LabelInputs(judged, window.end, span.first or span.day, span.day, 1 - alpha)
        inputs.prefix = self.name or "labels"
        try:
            inputs.day = side_of(day, day_named, self, zone)
            inputs.reference = side_of(ref, named, self, zone)
        except m.MetricError as exc:  # a metric the source cannot compute: every row's error
            inputs.error = str(exc)
        return inputs

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        inputs: LabelInputs = ctx.prepared
        gate = skipped(inputs, self.min_arrived, self.reference_days)
        out = []
        for i, (metric, name) in enumerate(zip(self.metrics, self.metric_names(), strict=True)):
            if gate is not None:
                outcome = gate if i == 0 else replace(gate, metrics=())  # the rows once
            else:
                outcome = metric_outcome(metric, inputs, self.min_effect, first=i == 0)
            outcome = broken_outcome(metric, inputs, outcome, self.log)
            out.append(self.result(outcome, name=name))
        return out

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        return self.results(values, ctx)[0].outcome
