"""ClassShift: the predicted-class frequencies of the partition against the reference period's
(issue 12: "the predicted-class frequencies vs the reference"), by the chi-square test of
homogeneity of datavigil.stats.categorical (rare classes pooled, Cramér's V with its CI as the
effect). The row joins the run's distribution family like CategoryShift (``power_kind="chi2"``)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from datavigil.checks.base import CheckContext, metric_error, override_problems
from datavigil.checks.categorical_shift import current_counts
from datavigil.checks.prediction.base import PredictionCheck, days_problem, rows
from datavigil.checks.prediction.pinned import Reference, reference_of, reference_problems, warm_up
from datavigil.core.outcome import Outcome
from datavigil.engine import metrics as m

TOP = 100  # classes counted per side; the rest is one cell


@dataclass(frozen=True)
class ClassShift(PredictionCheck):
    """``reference_days``: the days before the partition it is compared with. ``alpha``,
    ``min_effect`` (Cramér's V; default the suite's ``category_min_effect``): None = the
    suite's."""

    reference_days: int = 28
    alpha: float | None = None
    min_effect: float | None = None
    reference: Any = None  # None/Rolling/Period/"active"/snapshot id (checks.prediction.pinned)

    check_type = "prediction.class_shift"
    phase = "distribution"
    needs = ("predicted",)
    compares_days = True

    def default_name(self) -> str:
        return "predictions.classes"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = days_problem(self.reference_days) + override_problems(self)
        return out + reference_problems(self.reference, self.reference_days)

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        col = self.col("predicted")
        return [m.RowCount(), m.Frequencies(col, TOP), m.NullCount(col)]

    def prepare(self, env: Any) -> Reference:
        ref = reference_of(self, env)
        if self.min_effect is not None:
            ref.shape_min_effect = self.min_effect
        return ref

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        from datavigil.stats import categorical

        ref: Reference = ctx.prepared
        bad = metric_error(values, self.metrics({})) or ref.gate(self.metrics({}))
        if bad is not None:
            return bad
        gate = warm_up(ref, int(ref.values.get(m.RowCount())))
        if gate is not None:
            return gate
        col = self.col("predicted")
        cur = current_counts(values.get(m.Frequencies(col, TOP)))
        base = current_counts(ref.values.get(m.Frequencies(col, TOP)))
        nulls = int(values.get(m.NullCount(col)))
        choice = categorical.homogeneity(
            cur, base, alpha=ref.alpha, min_effect=ref.shape_min_effect, left_out={"null": nulls}
        )
        headline = f"{col}: classes {_shares(cur)} vs reference {ref.label} {_shares(base)}"
        o = choice.outcome(headline, rows_checked=sum(cur.values()) + nulls)
        extra = {**ref.details(), "classes": cur, "reference_classes": base}
        found = {".cramers_v": o.effect_size}
        metrics = rows(self.name or "predictions.classes", col, ctx.window.label, found)
        return replace(o, details={**o.details, **extra}, metrics=metrics)


def _shares(counts: dict[str, int]) -> str:
    n = sum(counts.values())
    if not n:
        return "(none)"
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:5]
    return ", ".join(f"{k} {v / n:.1%}" for k, v in top)
