"""Output drift of a prediction log (issue 12, ADR 0100): the score distribution and the
predicted positive rate of the run's partition against the reference period, the
``reference_days`` days before it, read from the same source in ``prepare`` (one scan, only
aggregates leave the source; no snapshot is needed: the log is its own reference).

ScoreShift: ``scores.mean``, Welch's t on the score with Hedges' g (datavigil.stats.procedures
.two_sample), and ``scores.shape``, the chi-square test of homogeneity of ``bins`` equal-width
score bins on [0, 1] with Cramér's V (datavigil.categorical.homogeneity), PSI as information.
Both join the run's distribution family (Holm / BH across the run, datavigil.stats.multitest).
PositiveRate: the share of predictions of the positive class vs the reference's, failing when
the absolute difference exceeds ``tolerance``; Newcombe's CI of the difference in details.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from datavigil.checks.base import CheckContext, metric_error, number_problem, override_problems
from datavigil.checks.prediction import contract, score_values
from datavigil.checks.prediction.base import PredictionCheck, days_problem, level_problem, rows
from datavigil.checks.prediction.broken import rate_broken
from datavigil.checks.prediction.pinned import Reference, reference_of, reference_problems, warm_up
from datavigil.core.outcome import CheckResult, Outcome, Status
from datavigil.engine import metrics as m
from datavigil.stats import classification as cl


@dataclass(frozen=True)
class ScoreShift(PredictionCheck):
    """``reference_days``: the days before the partition it is compared with. ``bins``:
    equal-width bins of [0, 1] for the shape test. ``alpha``, ``min_effect`` (Hedges' g of the
    mean), ``shape_min_effect`` (Cramér's V of the bins): None = the suite's settings."""

    reference_days: int = 28
    bins: int = 10
    alpha: float | None = None
    min_effect: float | None = None
    shape_min_effect: float | None = None
    reference: Any = None  # None/Rolling/Period/"active"/snapshot id (checks.prediction.pinned)

    check_type = "prediction.score_shift"
    phase = "distribution"
    needs = ("score",)
    compares_days = True

    def default_name(self) -> str:
        return "scores"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = days_problem(self.reference_days) + override_problems(self)
        out += reference_problems(self.reference, self.reference_days)
        ok = (
            isinstance(self.bins, int) and not isinstance(self.bins, bool) and 2 <= self.bins <= 100
        )
        out += [] if ok else [f"bins must be an integer in [2, 100], got {self.bins!r}"]
        out += number_problem("shape_min_effect", self.shape_min_effect, 0, 1, optional=True)
        return out

    def edges(self) -> list[tuple[str, Any]]:
        s, k = self.col("score"), self.bins
        out: list[tuple[str, Any]] = [("< 0", m.Cmp(s, "<", 0.0))]
        for i in range(k):
            lo, hi = i / k, (i + 1) / k
            top = m.Cmp(s, "<=" if i == k - 1 else "<", hi)
            out.append(
                (f"[{lo:g}, {hi:g}{']' if i == k - 1 else ')'}", m.And((m.Cmp(s, ">=", lo), top)))
            )
        return out + [("> 1", m.Cmp(s, ">", 1.0))]

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        bins = [m.CountWhere(p, f"score bin {name}") for name, p in self.edges()]
        return [m.RowCount(), m.Moments(self.col("score")), *bins]

    def prepare(self, env: Any) -> Reference:
        ref = reference_of(self, env, self.min_effect)
        if ref.values is None:
            return ref
        return replace(ref, scores=score_values.reference_scores(env, self, ref))

    def names(self) -> tuple[str, str]:
        prefix = self.name or "scores"
        return f"{prefix}.mean", f"{prefix}.shape"

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        ref: Reference = ctx.prepared
        gate = metric_error(values, self.metrics({})) or ref.gate(self.metrics({}))
        if gate is None and ctx.rows == 0:
            gate = Outcome(Status.SKIPPED, "partition is empty: nothing to check (see row_count)")
        gate = gate or warm_up(ref, int(ref.values.get(m.RowCount())))
        col = self.col("score")
        if gate is not None:
            return [self.result(gate, name=n, column=col) for n in self.names()]
        mean, shape = self.mean(values, ref, ctx), self.shape(values, ref, ctx)
        return [self.result(mean, self.names()[0], col), self.result(shape, self.names()[1], col)]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        return self.results(values, ctx)[0].outcome

    def mean(self, values: Any, ref: Reference, ctx: CheckContext) -> Outcome:
        from datavigil.stats import procedures

        cur_g = values.get(m.Moments(self.col("score")))[None]
        cur, base = cur_g.moments, ref.values.get(m.Moments(self.col("score")))[None].moments
        raw = score_values.pair(ctx, self.col("score"), cur.n, ref.scores)
        choice = procedures.two_sample(
            cur, base, alpha=ref.alpha, min_effect=ref.min_effect, raw=raw, key=self.names()[0]
        )
        headline = (
            f"{self.col('score')}: mean {cur.mean:.4g} (sd {cur.sd:.3g}, n={cur.n}) vs reference "
            f"{ref.label} {base.mean:.4g} (sd {base.sd:.3g}, n={base.n})"
        )
        o = choice.outcome(headline, rows_checked=cur_g.rows)
        extra = {**ref.details(), "mean": cur.mean, "reference_mean": base.mean}
        day = ctx.window.label
        found = {"": cur.mean, ".reference": base.mean, ".hedges_g": o.effect_size}
        return replace(
            o,
            details={**o.details, **extra},
            metrics=rows(self.names()[0], self.col("score"), day, found),
        )

    def shape(self, values: Any, ref: Reference, ctx: CheckContext) -> Outcome:
        from datavigil.stats import categorical

        edges = self.edges()
        cur = {n: int(values.get(m.CountWhere(p, f"score bin {n}"))) for n, p in edges}
        base = {n: int(ref.values.get(m.CountWhere(p, f"score bin {n}"))) for n, p in edges}
        nulls = values.get(m.Moments(self.col("score")))[None]
        left = {"null": nulls.null, "nan": nulls.nan}
        choice = categorical.homogeneity(
            cur, base, alpha=ref.alpha, min_effect=ref.shape_min_effect, left_out=left
        )
        psi = cl.psi(cur, base) if sum(cur.values()) and sum(base.values()) else None
        headline = (
            f"{self.col('score')}: {self.bins} bins of {sum(cur.values())} scores vs reference "
            f"{ref.label} ({sum(base.values())})" + (f"; PSI {psi:.3g}" if psi is not None else "")
        )
        o = choice.outcome(headline, rows_checked=sum(cur.values()) + nulls.null)
        extra = {**ref.details(), "psi": psi, "bins": cur, "reference_bins": base}
        found = {".psi": psi, ".cramers_v": o.effect_size}
        day = ctx.window.label
        return replace(
            o,
            details={**o.details, **extra},
            metrics=rows(self.name or "scores", self.col("score"), day, found),
        )


@dataclass(frozen=True)
class PositiveRate(PredictionCheck):
    """``tolerance``: the largest absolute change of the predicted positive rate from the
    reference period's (the ``reference_days`` days before). ``alpha``: 1 - the level of the
    CI of the change in details (None: the suite's)."""

    tolerance: float = 0.05
    reference_days: int = 28
    alpha: float | None = None
    reference: Any = None  # None/Rolling/Period/"active"/snapshot id (checks.prediction.pinned)

    check_type = "prediction.positive_rate"
    needs = ("predicted",)
    compares_days = True

    def default_name(self) -> str:
        return "predictions.positive_rate"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = number_problem("tolerance", self.tolerance, 0, 1)
        out += reference_problems(self.reference, self.reference_days)
        return out + days_problem(self.reference_days) + level_problem(self.alpha)

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        col = self.col("predicted")
        positive = m.CountWhere(m.Cmp(col, "==", self.log.positive), f"{col} positive")
        out = contract.kinds(self.log, ("predicted",)).get("predicted_class")
        other = m.CountWhere(out, f"{col} outside classes") if out is not None else m.RowCount()
        return [m.RowCount(), m.NullCount(col), positive, other]

    def prepare(self, env: Any) -> Reference:
        return reference_of(self, env)

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        ref: Reference = ctx.prepared
        bad = metric_error(values, self.metrics({})) or ref.gate(self.metrics({}))
        if bad is not None:
            return bad
        total, null, k, out = self._counts(values)
        r_total, r_null, r_k, r_out = self._counts(ref.values)
        col = self.col("predicted")
        if total - null - out == 0 and not out:
            why = f"{col}: no predicted class in {total} rows ({null} NULL): the rate is undefined"
            return Outcome(Status.INCONCLUSIVE, why, rows_checked=total)
        gate = warm_up(ref, r_total - r_null - r_out)
        if gate is not None and not out:
            return gate
        if total - null - out == 0 or gate is not None:
            return rate_broken(self, out, total, None)
        o = self.compare(k, total - null - out, r_k, r_total - r_null - r_out, ref, ctx)
        return rate_broken(self, out, total, o, r_out)

    def _counts(self, values: Any) -> tuple[int, int, int, int]:
        """Rows, NULL classes, positives, classes outside the contract (0: none declared)."""
        total, null, k, out = (int(values.get(x)) for x in self.metrics({}))
        return total, null, k, out if self.log.class_values() is not None else 0

    def compare(self, k: int, n: int, r_k: int, r_n: int, ref: Reference, ctx: Any) -> Outcome:
        level = 1 - ref.alpha
        cur, base = cl.wilson(k, n, level), cl.wilson(r_k, r_n, level)
        diff = cur.value - base.value
        lo, hi = cl.newcombe(cur, base)
        ok = abs(diff) <= self.tolerance + 1e-12
        word = "<=" if ok else ">"
        message = (
            f"{self.col('predicted')}: positive rate {cur.value:.4g} ({k} of {n}) vs reference "
            f"{ref.label} {base.value:.4g} ({r_k} of {r_n}): |difference| {abs(diff):.4g} "
            f"[{100 * level:g}% CI of the difference {lo:.4g}, {hi:.4g}] {word} tolerance "
            f"{self.tolerance:g}"
        )
        details = {"rate": cur.value, "rate_ci": list(cur.ci), "reference_rate": base.value,
                   "reference_ci": list(base.ci), "difference": diff, "difference_ci": [lo, hi],
                   "n": n, "reference_n": r_n, "tolerance": self.tolerance, "level": level,
                   **ref.details()}  # fmt: skip
        found = {"": cur.value, ".reference": base.value, ".difference": diff}
        return Outcome(
            Status.PASS if ok else Status.FAIL, message, observed_value=diff,
            threshold=f"|rate - reference rate| <= {self.tolerance:g}", rows_checked=n,
            effect_size=diff, details=details,
            metrics=rows(self.name or "predictions.positive_rate", self.col("predicted"),
                         ctx.window.label, found),
        )  # fmt: skip
