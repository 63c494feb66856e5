"""Serving facts of a prediction log (issue 12, ADR 0100): the model versions that served the
partition, the decision threshold they used, and the serving latency against a maximum.

All three are aggregates over the run's partition (Frequencies, NULL counts, one CountWhere):
they run in every dialect and read no other day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from datavigil.checks.base import CheckContext, metric_error, number_problem
from datavigil.checks.prediction.base import PredictionCheck, listed, rows
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m

TOP = 100  # distinct versions / thresholds counted per partition
NULL = "(NULL)"


def _strings(value: Any) -> tuple[Any, ...]:
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def values_seen(values: Any, col: str) -> dict[str, int]:
    """The values of ``col`` in the partition with their row counts; NULLs as ``NULL``."""
    seen = dict(values.get(m.Frequencies(col, TOP)).counts)
    nulls = int(values.get(m.NullCount(col)))
    if nulls:
        seen[NULL] = nulls
    return seen


@dataclass(frozen=True)
class ModelVersion(PredictionCheck):
    """``expected``: the model versions allowed to serve (compared as text). A row served by
    another version (or by none: NULL) fails; with ``require_all`` (default) so does an
    expected version that served no row."""

    expected: tuple[str, ...] | str = ("v1",)
    require_all: bool = True

    check_type = "prediction.version"
    needs = ("version",)

    def default_name(self) -> str:
        return "serving.version"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        exp = _strings(self.expected)
        if not exp or not all(isinstance(v, str | int) and str(v).strip() for v in exp):
            return [f"expected must be one or more version names, got {self.expected!r}"]
        if not isinstance(self.require_all, bool):
            return [f"require_all must be True or False, got {self.require_all!r}"]
        return []

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [
            m.RowCount(),
            m.Frequencies(self.col("version"), TOP),
            m.NullCount(self.col("version")),
        ]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        bad = metric_error(values, self.metrics(ctx.columns))
        if bad is not None:
            return bad
        col = self.col("version")
        seen = values_seen(values, col)
        expected = [str(v) for v in _strings(self.expected)]
        unexpected = sorted(v for v in seen if v not in expected)
        missing = [v for v in expected if v not in seen] if self.require_all else []
        n = int(values.get(m.RowCount()))
        failing = sum(seen[v] for v in unexpected)
        status = Status.FAIL if unexpected or missing else Status.PASS
        parts = [f"seen {listed([f'{v} ({k} rows)' for v, k in sorted(seen.items())])}"]
        parts.append(f"expected {listed(expected)}")
        if unexpected:
            parts.append(f"unexpected: {listed(unexpected)}")
        if missing:
            parts.append(f"expected but serving no row: {listed(missing)}")
        return Outcome(
            status,
            f"{col}: " + "; ".join(parts),
            observed_value=float(failing),
            threshold=f"versions in {{{', '.join(expected)}}}",
            rows_checked=n,
            failing_rows=failing,
            failure_sample=tuple(unexpected[:5]),
            details={
                "seen": seen,
                "expected": expected,
                "unexpected": unexpected,
                "missing": missing,
            },  # fmt: skip
            metrics=rows("serving.version", col, ctx.window.label, {".unexpected_rows": failing}),
        )


@dataclass(frozen=True)
class DecisionThreshold(PredictionCheck):
    """``expected``: the decision threshold (or thresholds) the model must serve with; a row
    with another threshold, or none (NULL), fails. Compared as numbers (1e-9 relative)."""

    expected: float | tuple[float, ...] = 0.5

    check_type = "prediction.threshold"
    needs = ("threshold",)

    def default_name(self) -> str:
        return "serving.threshold"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        exp = _strings(self.expected)
        out = [p for v in exp for p in number_problem("expected", v)]
        return out if exp else ["expected must be one or more numbers, got ()"]

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        col = self.col("threshold")
        return [m.RowCount(), m.Frequencies(col, TOP), m.NullCount(col)]

    def _allowed(self, label: str) -> bool:
        try:
            x = float(label)
        except ValueError:
            return False
        return any(math.isclose(x, e, rel_tol=1e-9, abs_tol=1e-12) for e in _strings(self.expected))

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        bad = metric_error(values, self.metrics(ctx.columns))
        if bad is not None:
            return bad
        col = self.col("threshold")
        seen = values_seen(values, col)
        unexpected = sorted(v for v in seen if not self._allowed(v))
        failing = sum(seen[v] for v in unexpected)
        expected = [f"{float(e):g}" for e in _strings(self.expected)]
        shown = listed([f"{v} ({k} rows)" for v, k in sorted(seen.items())])
        return Outcome(
            Status.FAIL if unexpected else Status.PASS,
            f"{col}: seen {shown}; expected {listed(expected)}"
            + (f"; unexpected: {listed(unexpected)}" if unexpected else ""),
            observed_value=float(failing),
            threshold=f"threshold in {{{', '.join(expected)}}}",
            rows_checked=int(values.get(m.RowCount())),
            failing_rows=failing,
            failure_sample=tuple(unexpected[:5]),
            details={"seen": seen, "expected": expected, "unexpected": unexpected},
            metrics=rows("serving.threshold", col, ctx.window.label, {".unexpected_rows": failing}),
        )


@dataclass(frozen=True)
class Latency(PredictionCheck):
    """``max_ms``: the largest allowed ``percentile`` quantile of the serving latency (ms).
    Checked exactly, without computing the quantile: q_p <= max_ms (the inverted-CDF quantile:
    the smallest value with at least p of the values at or below it) holds exactly when
    count(latency > max_ms) <= (1 - p) n, n the non-NULL, non-NaN latencies."""

    max_ms: float  # type: ignore[misc]
    percentile: float = 0.99

    check_type = "prediction.latency"
    needs = ("latency",)

    def default_name(self) -> str:
        return "serving.latency"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = number_problem("max_ms", self.max_ms, 0)
        out += number_problem("percentile", self.percentile, 0, 1)
        if not out and self.percentile in (0, 1):
            out.append(f"percentile must be in (0, 1), got {self.percentile!r}")
        return out

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        col = self.col("latency")
        over = m.CountWhere(m.Cmp(col, ">", self.max_ms), f"{col} > {self.max_ms:g}")
        return [m.RowCount(), m.NullCount(col), m.NanCount(col), over, m.Max(col)]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        bad = metric_error(values, self.metrics(ctx.columns))
        if bad is not None:
            return bad
        col = self.col("latency")
        total, null, nan, over, top = (values.get(x) for x in self.metrics(ctx.columns))
        n = int(total) - int(null) - int(nan)
        p = Fraction(str(self.percentile))
        share = f"p{float(p * 100):g}"
        if n == 0:
            return Outcome(Status.INCONCLUSIVE, f"{col}: no latency values ({null} NULL, "
                           f"{nan} NaN of {total} rows): the {share} is undefined",
                           rows_checked=int(total))  # fmt: skip
        ok = over <= (1 - p) * n
        word = "<=" if ok else ">"
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            f"{col}: {over} of {n} latencies above {self.max_ms:g} ms (allowed "
            f"{float((1 - p) * n):.4g}): {share} {word} {self.max_ms:g} ms; max {top:g} ms",
            observed_value=over / n,
            threshold=f"share above {self.max_ms:g} ms <= {float(1 - p):g}",
            rows_checked=n,
            failing_rows=int(over),
            details={"above": int(over), "n": n, "null": int(null), "nan": int(nan),
                     "max": top, "percentile": self.percentile, "max_ms": self.max_ms},
            metrics=rows("serving.latency", col, ctx.window.label,
                         {".share_above": over / n, ".max": top}),
        )  # fmt: skip
