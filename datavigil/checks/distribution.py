"""Two-sample comparison of a column of the partition against the reference (MeanShift).

Welch's t-test by default, computed from the sufficient statistics of both sides: the reference
rows are never read. ``test="student"`` runs Student's t and ``test="mann_whitney"`` the rank
test on the snapshot's raw sample; no pretest chooses the test (docs/adr/0081). The test that
ran and why is stored in ``details`` (datavigil.stats.procedures).

The verdict (fail / inconclusive / pass) is given by datavigil.stats.multitest.judge after the
run's p-values are adjusted (Holm or Benjamini-Hochberg); see docs/explanation/statistics.md. The
reference it compares against is prepared by datavigil.checks.reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from datavigil.checks.base import (
    Check,
    CheckContext,
    metric_error,
    override_problems,
    unknown_columns,
)
from datavigil.checks.reference import (
    Prepared,
    incomparable,
    is_rolling,
    overflowed,
    prepare_reference,
    the_reference,
)
from datavigil.checks.windowed import window_problems
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m
from datavigil.engine.profile import ColumnProfile
from datavigil.stats import permutation
from datavigil.stats import sufficient as stats

if TYPE_CHECKING:
    import numpy as np
else:  # imported at the first use (ADR 0138)
    from datavigil.core.lazy import numpy as np

RAW_CAP = 5_000  # raw values kept from the partition (only small samples need them)
HOMOGENEITY_ALPHA = 0.05


def with_window(prof: ColumnProfile, earlier: stats.Moments | None) -> ColumnProfile:
    """The partition's profile with the window's earlier days merged in (their finite values
    count as rows checked; their NULLs were counted on their own nights)."""
    if earlier is None:
        return prof
    return replace(prof, rows=prof.rows + earlier.n, moments=prof.moments.merge(earlier))


def unusable(prof: ColumnProfile, label: str) -> Outcome | None:
    """Inconclusive (with the reason) when the partition has too few finite values."""
    if prof.kind not in (None, "numeric"):
        return Outcome(Status.ERROR, f"{label}: column is {prof.kind}, not numeric")
    m = prof.moments
    if m.n >= 2:
        return overflowed(m, label)
    what = (
        f"{prof.null} NULL, {prof.nan} NaN, {prof.pos_inf + prof.neg_inf} inf of {prof.rows} rows"
    )
    reason = "all values are NULL/NaN/inf" if m.n == 0 else "only one finite value"
    return Outcome(
        Status.INCONCLUSIVE,
        f"{label}: {reason} ({what}): nothing to compare",
        rows_checked=prof.rows,
        details={"n": m.n, "null": prof.null},
    )


def profile_of(column: str, g: Any) -> ColumnProfile:
    """A column's profile from the engine's GroupStats."""
    return ColumnProfile(
        column, kind="numeric", rows=g.rows, null=g.null, nan=g.nan,
        pos_inf=g.pos_inf, neg_inf=g.neg_inf, moments=g.moments,
    )  # fmt: skip


def raw_values(ctx: Any, column: str, n: int, cap: int = RAW_CAP) -> Any:
    """The finite values of a partition of at most ``cap`` finite values, or None: a bounded
    sample query, asked only when the partition is that small."""
    if n > cap or ctx.fetch is None:
        return None
    sample = m.Sample((column,), cap + 1, where=m.Not(m.IsNull(column)))
    got = ctx.fetch([sample]).data.get(sample)
    if not isinstance(got, list):
        return None
    x = np.asarray([r[0] for r in got], dtype=np.float64)
    return x[np.isfinite(x)]


def compare(
    check: MeanShift, prof: ColumnProfile, ref: stats.Moments, raw: Any, prep: Prepared
) -> Outcome:
    """The procedure of ``check.test`` (Welch's t by default, no pretest: ADR 0081) on the
    moments; the verdict is provisional until the run adjusts its family (multitest)."""
    from datavigil.stats import procedures

    cur = prof.moments
    # the snapshot's raw sample is read only when the partition's values are at hand (ADR 0141)
    ref_raw = None if raw is None else (prep.sample or {}).get(check.column)
    pair = (raw, ref_raw) if raw is not None and ref_raw is not None else None
    choice = procedures.two_sample(
        cur, ref, test=check.test, alpha=prep.alpha, min_effect=prep.min_effect, raw=pair,
        key=check.check_name,
    )  # fmt: skip
    what = "mean" if getattr(check, "window", None) is None else f"{check.window} window mean"
    versus = "reference" if prep.reference is not None else prep.label
    headline = (
        f"{check.column}: {what} {cur.mean:.4g} (sd {cur.sd:.3g}, n={cur.n}) vs "
        f"{versus} {ref.mean:.4g} (sd {ref.sd:.3g}, n={ref.n})"
    )
    outcome = choice.outcome(headline, rows_checked=prof.rows)
    extra = {
        "mean": cur.mean, "sd": cur.sd, "reference_mean": ref.mean, "reference_sd": ref.sd,
        "null": prof.null, "nan": prof.nan,
    }  # fmt: skip
    details = {**outcome.details, **_finite_only(extra), **prep.ref_details}
    return replace(outcome, details=details)


def _finite_only(d: dict[str, Any]) -> dict[str, Any]:
    import math

    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in d.items()}


@dataclass(frozen=True)
class MeanShift(Check):
    """``column``: numeric column compared with the reference snapshot. ``test``: "welch"
    (default: Welch's t, no pretest), "student" or "mann_whitney" (a rank test on a bounded
    sample of the raw values), each with its own effect size. ``alpha``, ``min_effect`` (Hedges'
    g), ``reference``: override the suite's settings (None = the suite's); a
    ``datavigil.Rolling`` compares against the days before the window instead of a snapshot.
    ``window``: "28d" compares the partition day and the 27 days before it, merged (None: the
    day alone); the earlier days come from the runs' kept metrics (datavigil.checks.days)."""

    column: str  # type: ignore[misc]
    test: str = "welch"
    alpha: float | None = None
    min_effect: float | None = None
    reference: Any = None
    window: str | int | None = None

    check_type = "distribution.ttest"
    phase = "distribution"

    def default_name(self) -> str:
        return f"distribution.{self.column}"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        tests = ("welch", "student", "mann_whitney")
        out = [] if self.test in tests else [f"test must be one of {tests}, got {self.test!r}"]
        if self.test == "mann_whitney" and (self.window is not None or is_rolling(self.reference)):
            out.append("test='mann_whitney' needs a snapshot's raw sample: no window or Rolling")
        out += window_problems(self)
        return out + override_problems(self) + unknown_columns([self.column], columns)

    def prepare(self, env: Any) -> Prepared:
        sample = [self.column] if self.test in ("mann_whitney", "welch") else []
        return prepare_reference(env, self, sample)

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.Moments(self.column)]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        col, prep = self.column, ctx.prepared or Prepared(problem="no reference was prepared")
        if prep.problem:
            return prep.failed(col)
        if ctx.columns and col not in ctx.columns:
            return Outcome(Status.ERROR, f"column '{col}' is not in the partition's data")
        ref, problem = the_reference(prep, col)
        if ref is None:
            return Outcome(Status.ERROR, f"{col}: {problem}")
        bad = metric_error(values, [m.Moments(col)])
        if bad is not None:
            return Outcome(Status.ERROR, f"{col}: {bad.message}")
        prof = with_window(profile_of(col, values.get(m.Moments(col))[None]), prep.earlier)
        label = col if self.window is None else f"{col} ({self.window} window)"
        bad = unusable(prof, label) or incomparable(prof.moments, ref, label)
        if bad is not None:
            return bad
        return compare(self, prof, ref, self.raw(ctx, prof.moments.n), prep)

    def raw(self, ctx: CheckContext, n: int) -> Any:
        """The partition's values: for the rank test, or for Welch's t when the partition is
        small (a permutation p-value, ADR 0125); never for a window (its earlier days are
        moments)."""
        if self.test == "mann_whitney":
            return raw_values(ctx, self.column, n)
        if self.test == "welch" and self.window is None:
            return raw_values(ctx, self.column, n, permutation.SMALL_GROUP)
        return None
