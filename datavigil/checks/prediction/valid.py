"""OutputContract: every row of the run's partition within the prediction log's output contract
(issue 17, item 4; ADR 0123), on the night the predictions are served: NaN, +inf, -inf scores,
scores outside ``score_range``, predicted classes and arrived labels outside ``classes``,
labels that arrived before their prediction. One aggregate scan (``CountWhere`` per kind) and
the bounded Sample of the labels that arrived on the day (compared in Python, the engine having
no column-to-column comparison)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import CheckContext
from datavigil.checks.prediction import contract
from datavigil.checks.prediction.base import PredictionCheck, arrival_zone, rows, scan_values
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m

MAX_ROWS = 200_000


@dataclass(frozen=True)
class OutputContract(PredictionCheck):
    """Fails when a row of the partition breaks the log's output contract
    (``PredictionLog(score_range=(0, 1), classes=None)``: no NaN or infinite score, every score
    within ``score_range``, every predicted class and arrived label among ``classes``, no label
    before its prediction), counting and naming each kind. ``max_rows``: labels arrived on the
    day read to compare ``label_at`` with ``predicted_at`` (above it: ``error``)."""

    max_rows: int = MAX_ROWS

    check_type = "prediction.contract"
    needs_scan = False  # judged from prepare(): the counts and the sample of the run's window

    def default_name(self) -> str:
        return "predictions.contract"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        cap = self.max_rows
        if not isinstance(cap, int) or isinstance(cap, bool) or cap < 1:
            return [f"max_rows must be an integer >= 1, got {cap!r}"]
        return []

    def named(self, cutoff: Any, zone: str) -> dict[str, Any]:
        log = self.log
        arrived: Any = m.Not(m.IsNull(log.label)) if log.label is not None else None
        if arrived is not None and log.label_at is not None:
            arrived = m.And((arrived, m.Before(log.label_at, cutoff, zone)))
        out: dict[str, Any] = {"rows": m.RowCount()}
        for key, pred in contract.kinds(log, ("score", "predicted", "label")).items():
            where = m.And((arrived, pred)) if key == "label_class" else pred
            out[key] = m.CountWhere(where, f"contract {key}")
        if arrived is not None and log.label_at is not None:
            out["early"] = contract.early_sample(log, cutoff, zone, arrived, self.max_rows)
        return out

    def prepare(self, env: Any) -> Any:
        zone = arrival_zone(env.suite)
        named = self.named(env.window.end, zone)
        values = scan_values(env, env.window, list(named.values()))
        try:
            got = {k: values.get(x) for k, x in named.items()}
        except m.MetricError as exc:
            return str(exc)
        if "early" in got:
            sample = got.pop("early")
            if len(sample) > self.max_rows:
                return (f"more than max_rows={self.max_rows} labels arrived on the day: each is "
                        "read to compare label_at with predicted_at; raise max_rows")  # fmt: skip
            got[contract.EARLY] = len(contract.early_rows(self.log, named["early"], sample, zone))
        return {k: int(v) for k, v in got.items()}

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        got = ctx.prepared
        if isinstance(got, str):
            return Outcome(Status.ERROR, f"output contract of {ctx.window.label}: {got}")
        got = dict(got)
        n = got.pop("rows")
        if n == 0:
            return Outcome(Status.SKIPPED, "partition is empty: nothing to check (see row_count)",
                           rows_checked=0)  # fmt: skip
        broken = contract.Broken(got, contract.names(self.log))
        checked = ", ".join(broken.named[k] for k in got)
        total = broken.total
        message = (
            f"{total} violation(s) of the output contract among {n} predictions: {broken.text()}"
            if total else f"all {n} predictions within the output contract ({checked})"
        )  # fmt: skip
        return Outcome(
            Status.FAIL if total else Status.PASS, message, observed_value=float(total),
            threshold="0 rows breaking the output contract", rows_checked=n, failing_rows=total,
            details={"invalid": got, "rows": n, "score_range": _listed(self.log.score_range),
                     "classes": _listed(self.log.class_values())},
            metrics=rows(self.check_name, None, ctx.window.label, {".invalid_rows": total}),
        )  # fmt: skip


def _listed(v: Any) -> list[Any] | None:
    return list(v) if v is not None else None
