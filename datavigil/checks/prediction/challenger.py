"""Challenger: a shadow model's predictions beside the champion's on the same inputs, compared
pair by pair (issue 20 item 4, ADR 0134).

The log holds one row per (input, model version): ``key`` names the input (a request id) and
the log's ``version`` column tells the champion's rows from the challenger's. The run of day D
judges the period ending on D's last day - ``label_delay`` (``days`` long; default the run's
length), the labels that arrived before the run's window end, as LabelQuality does.

Where the data is: one GROUP BY key over the two versions' rows, then a count per combination
of flags (predicted, predicted positive, labelled, right) gives the paired 2x2 table of McNemar
and the agreement with no row leaving the source. The AUC and the score correlation need every
paired score: the judged period's paired scores of at most ``max_rows`` keys are read, in key
order (above it: the AUC is an error naming the cap).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from datavigil.checks.base import CheckContext, number_problem
from datavigil.checks.prediction import shadow
from datavigil.checks.prediction.base import (
    PredictionCheck,
    arrival_zone,
    days_problem,
    level_problem,
    metrics_problem,
    scan_values,
)
from datavigil.core.outcome import CheckResult, Outcome
from datavigil.declare.window import Window
from datavigil.engine import metrics as m

METRICS = ("accuracy", "auc")
MAX_ROWS = 200_000


def _flags(log: Any, key: str, cutoff: Any, zone: str) -> tuple[Any, ...]:
    """Per row: predicted, predicted positive, labelled (arrived before ``cutoff``), right.
    Without a ``predicted`` column the class flags never hold (``key`` IS NULL: the rows of a
    NULL key are left out of the pairs)."""
    labelled: Any = m.Not(m.IsNull(log.label))
    if log.label_at is not None:
        labelled = m.And((labelled, m.Before(log.label_at, cutoff, zone)))
    if log.predicted is None:
        never = m.IsNull(key)
        return never, never, labelled, never
    pos, neg = m.Cmp(log.predicted, "==", log.positive), m.Cmp(log.predicted, "!=", log.positive)
    y_pos, y_neg = m.Cmp(log.label, "==", log.positive), m.Cmp(log.label, "!=", log.positive)
    right = m.And((labelled, m.Or((m.And((pos, y_pos)), m.And((neg, y_neg))))))
    return m.Not(m.IsNull(log.predicted)), pos, labelled, right


@dataclass(frozen=True)
class Challenger(PredictionCheck):
    """``key``: the column naming an input, the same on its champion's and its challenger's rows.
    ``champion``, ``challenger``: their values in the log's ``version`` column. ``metrics``:
    accuracy (McNemar, Newcombe's paired CI) and/or auc (DeLong's paired test). ``min_effect``:
    the smallest drop of the challenger (metric units) that fails. ``days``: the judged period's
    length (None: the run's). ``alpha``: None: the suite's. ``max_rows``: paired scores read."""

    key: str = ""
    champion: str = ""
    challenger: str = ""
    metrics: tuple[str, ...] = METRICS  # type: ignore[assignment]  # no scan of the run's day
    min_effect: float = 0.02
    days: int | None = None
    alpha: float | None = None
    max_rows: int = MAX_ROWS

    check_type = "prediction.challenger"
    needs_scan = False  # judged from prepare(): the judged period, not the run's partition
    needs_rows = False
    compares_days = True

    def default_name(self) -> str:
        return "challenger"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = []
        if not isinstance(self.key, str) or not self.key.strip():
            out.append(f"key must be the column naming an input, got {self.key!r}")
        elif columns is not None and self.key not in columns:
            known = ", ".join(sorted(columns))
            out.append(f"key: unknown column '{self.key}' (model has: {known})")
        names = (self.champion, self.challenger)
        if not all(isinstance(v, str | int) and str(v).strip() for v in names):
            out.append(f"champion and challenger must be version names, got {names!r}")
        elif str(self.champion) == str(self.challenger):
            out.append(f"champion and challenger must differ, both are {self.champion!r}")
        out += metrics_problem(self.metrics, METRICS)
        out += number_problem("min_effect", self.min_effect, 0, 1) + level_problem(self.alpha)
        out += [] if self.days is None else days_problem(self.days)
        cap = self.max_rows
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            out.append(f"max_rows must be an integer >= 1, got {cap!r}")
        return [p.replace("reference_days", "days") for p in out]

    def needed(self) -> tuple[str, ...]:
        need = ["version", "label"]
        need += ["predicted"] if "accuracy" in self.metrics else []
        return tuple(need + (["score"] if "auc" in self.metrics else []))

    def metric_names(self) -> list[str]:
        return [f"{self.name or 'challenger'}.{x}" for x in self.metrics]

    def engine_metrics(self, cutoff: Any, zone: str) -> dict[str, Any]:
        log = self.log
        flags = _flags(log, self.key, cutoff, zone)
        out: dict[str, Any] = {"keys": m.PairedKeys(self.key, log.version, self.champion,
                                                    self.challenger, flags)}  # fmt: skip
        if log.score is not None:
            label_pos = m.Cmp(log.label, "==", log.positive)
            out["scores"] = m.PairedSample(
                self.key, log.version, self.champion, self.challenger, log.score,
                self.max_rows + 1, (flags[2], label_pos), where=m.Not(m.IsNull(log.score)),
            )  # fmt: skip
        return out

    def period(self, window: Window) -> tuple[Any, Any]:
        last = window.days[-1] - timedelta(days=self.log.delay_days)
        return last - timedelta(days=(self.days or len(window.days)) - 1), last

    def prepare(self, env: Any) -> shadow.Paired:
        suite, window = env.suite, env.window
        first, last = self.period(window)
        alpha = self.alpha if self.alpha is not None else suite.alpha
        out = shadow.Paired(str(self.champion), str(self.challenger), first.isoformat(),
                            last.isoformat(), 1 - alpha, self.name or "challenger")  # fmt: skip
        named = self.engine_metrics(window.end, arrival_zone(suite))
        values = scan_values(env, Window.span(first, last, suite.timezone), list(named.values()))
        try:
            out.keys = shadow.keys_of(values.get(named["keys"]))
            if "scores" in named:
                got = values.get(named["scores"])
                if len(got) > self.max_rows:
                    out.problem = (
                        f"more than max_rows={self.max_rows} paired inputs: the "
                        "paired AUC needs every score; raise max_rows or shorten days"
                    )
                else:
                    out.scores = shadow.scores_of(got)
        except m.MetricError as exc:  # a metric the source cannot compute
            out.error = str(exc)
        return out

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        p: shadow.Paired = ctx.prepared
        gate = shadow.gate(p)
        out = []
        for i, (metric, name) in enumerate(zip(self.metrics, self.metric_names(), strict=True)):
            if gate is not None:
                outcome = gate if i == 0 else replace(gate, metrics=())
            else:
                outcome = getattr(shadow, metric)(p, self.min_effect)
                shared = p.shared_rows() if i == 0 else ()
                outcome = replace(outcome, metrics=shared + outcome.metrics)
            out.append(self.result(outcome, name=name))
        return out

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        return self.results(values, ctx)[0].outcome
