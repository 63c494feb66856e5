"""One-way ANOVA from group sufficient statistics (``scipy.stats.f_oneway`` semantics).

``DayAnova``: the reference snapshot plus the last ``days`` partitions (today included) as groups;
the earlier days' moments (and a small day's values) come from their runs' run_metrics when those
runs read the same source, else from the source, in ``prepare`` (docs/adr/0010, 0141).
``GroupAnova``: the groups of ``by`` within the partition (e.g. carriers). Welch's ANOVA by
default, no pretest (ADR 0081); when a group holds at most 200 values and the values of every
group are at hand (a small day's or partition's values, one bounded query; the snapshot's stored
sample), its p-value comes from permutations (ADR 0125, checks.small_values). Effect: omega
squared (gated against ``min_effect``) with a CI. Groups with fewer than two finite values are
left out and named."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from datavigil.checks import small_values
from datavigil.checks.base import (
    Check,
    CheckContext,
    metric_error,
    override_problems,
    unknown_columns,
)
from datavigil.checks.day_history import values_rows
from datavigil.checks.reference import (
    Prepared,
    prepare_reference,
    reference_moments,
)
from datavigil.core.errors import SuiteError
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m
from datavigil.stats import sufficient as stats
from datavigil.stats.permutation import SMALL_GROUP

RAW_CAP = 5_000  # raw values fetched per check, only when this small (Brown-Forsythe, Kruskal)
MAX_GROUPS = 100


def omega_threshold(check: Any, min_g: float) -> float:
    """min_effect in omega^2; by default the suite's Hedges' g converted (d^2 / (d^2 + 4):
    two equal groups at d = 0.2 give omega^2 ~ 0.01, Cohen's "small" for both)."""
    return check.min_effect if check.min_effect is not None else min_g**2 / (min_g**2 + 4)


def anova_outcome(
    label: str,
    named: dict[str, stats.Moments],
    raw_src: Any,
    prep: Prepared,
    min_effect: float,
    extra: dict[str, Any],
    test: str = "welch",
    key: str = "",
) -> Outcome:
    """The k-sample procedure of ``test`` (Welch's ANOVA by default, no pretest: ADR 0081) on
    the groups' moments; groups that cannot take part are dropped and named (ADR 0083)."""
    from datavigil.stats import procedures

    raw = None
    if raw_src is not None:
        values = raw_src.raw_of([str(g) for g in named])
        raw = None if values is None else dict(zip(named, values, strict=True))
    choice = procedures.k_sample(
        named, test=test, alpha=prep.alpha, min_effect=min_effect, raw=raw, key=key
    )
    n = sum(mo.n for mo in named.values())
    outcome = choice.outcome(f"{label}: {len(named)} groups, n={n}", rows_checked=n)
    return replace(outcome, details={**outcome.details, **extra})


@dataclass
class DayInputs:
    prep: Prepared
    moments: dict[str, stats.Moments]
    unreadable: list[str]
    raw: dict[str, Any] = field(default_factory=dict)  # small days' values (ADR 0125)


def earlier_days(env: Any, check: DayAnova) -> DayInputs:
    """The reference, and each earlier day's moments (and a small day's values): as the day's
    run kept them in run_metrics, else read from the source (checks.day_history, ADR 0141)."""
    from datavigil.checks import day_history

    prep = prepare_reference(env, check, [check.column])
    if prep.problem:
        return DayInputs(prep, {}, [])
    suite, col = env.suite, check.column
    if suite.partition is None and not getattr(suite.source, "templated", False):
        raise SuiteError(
            suite.name, check.check_name, "compares days: the suite needs a partition (a "
            "partition= column or a {date} file template), not a whole-table source",
        )  # fmt: skip
    days = [env.window.day - timedelta(days=b) for b in range(check.days - 1, 0, -1)]
    groups, unreadable = day_history.earlier_moments(env, col, days)
    small = day_history.small_days(env, col, days, groups) if check.test == "welch" else {}
    return DayInputs(prep, groups, unreadable, small)


@dataclass(frozen=True)
class DayAnova(Check):
    """``column``: numeric column. ``days``: partitions in the comparison, today included
    (default 7), plus the reference snapshot as one more group. ``test``: "welch" (Welch's
    ANOVA, default) or "classic" (the F test of equal variances). ``alpha``, ``min_effect``
    (omega squared), ``reference``: override the suite's (None = the suite's)."""

    column: str  # type: ignore[misc]
    days: int = 7
    test: str = "welch"
    alpha: float | None = None
    min_effect: float | None = None
    reference: str | int | None = None

    check_type = "distribution.anova_days"
    phase = "distribution"

    def default_name(self) -> str:
        return f"anova_days.{self.column}"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        bad = (
            []
            if isinstance(self.days, int) and 1 <= self.days <= 90
            else [f"days must be an integer in [1, 90], got {self.days!r}"]
        )
        if self.test not in ("welch", "classic"):
            bad.append(f"test must be 'welch' or 'classic', got {self.test!r}")
        return bad + override_problems(self) + unknown_columns([self.column], columns)

    def prepare(self, env: Any) -> DayInputs:
        return earlier_days(env, self)

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.Moments(self.column)]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        col, inputs = self.column, ctx.prepared
        prep = inputs.prep
        if prep.problem:
            return prep.failed(col)
        assert prep.reference is not None
        ref, problem = reference_moments(prep.reference, col)
        if ref is None:
            return Outcome(Status.ERROR, f"{col}: {problem}")
        bad = metric_error(values, [m.Moments(col)])
        if bad is not None:
            return Outcome(Status.ERROR, f"{col}: {bad.message}")
        today = values.get(m.Moments(col))[None].moments
        named = {
            "reference": ref,
            **dict(sorted(inputs.moments.items())),
            ctx.window.day.isoformat(): today,
        }
        label = f"{col} across reference + last {self.days} days"
        extra = {"reference_snapshot_id": prep.reference.id, "unreadable_days": inputs.unreadable}
        values = self.today_values(ctx, today.n)
        days = {**inputs.raw, ctx.window.day.isoformat(): values}
        every_day = all(days.get(g) is not None for g in named if g != "reference")
        # the snapshot's raw sample only when every day's values are at hand (ADR 0141)
        raw = small_values.Raw(
            {"reference": (prep.sample or {}).get(col), **days} if every_day else days
        )
        threshold = omega_threshold(self, prep.min_effect)
        out = anova_outcome(label, named, raw, prep, threshold, extra, self.test, self.check_name)
        return replace(out, metrics=out.metrics + values_rows(col, values))  # for later runs

    def today_values(self, ctx: CheckContext, n: int) -> Any:
        """The partition's values when it is small (Welch's ANOVA: ADR 0125), else None."""
        from datavigil.checks.distribution import raw_values

        return raw_values(ctx, self.column, n, SMALL_GROUP) if self.test == "welch" else None


@dataclass(frozen=True)
class GroupAnova(Check):
    """``column``: numeric column; ``by``: the grouping column (at most the 100 largest groups
    are compared; a NULL key is its own group "(NULL)"). ``test``: "welch" (default), "classic"
    or "kruskal" (Kruskal-Wallis on the raw values of a partition of at most 5,000 values).
    ``alpha``, ``min_effect`` (omega squared): override the suite's."""

    column: str  # type: ignore[misc]
    by: str  # type: ignore[misc]
    test: str = "welch"
    alpha: float | None = None
    min_effect: float | None = None

    check_type = "distribution.anova_groups"
    phase = "distribution"

    def default_name(self) -> str:
        return f"anova_groups.{self.column}.{self.by}"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        tests = ("welch", "classic", "kruskal")
        bad = [] if self.test in tests else [f"test must be one of {tests}, got {self.test!r}"]
        return bad + override_problems(self) + unknown_columns([self.column, self.by], columns)

    def prepare(self, env: Any) -> Prepared:
        if env is None:
            return Prepared()
        return Prepared(
            alpha=self.alpha if self.alpha is not None else env.suite.alpha,
            min_effect=self.min_effect if self.min_effect is not None else env.suite.min_effect,
        )

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.Moments(self.column, by=self.by)]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        prep = ctx.prepared or Prepared()
        for name in (self.column, self.by):
            if ctx.columns and name not in ctx.columns:
                return Outcome(Status.ERROR, f"column '{name}' is not in the partition's data")
        bad = metric_error(values, self.metrics(ctx.columns))
        if bad is not None:
            return bad
        groups = values.get(m.Moments(self.column, by=self.by))
        named_all = {("(NULL)" if k is None else k): g.moments for k, g in groups.items()}
        largest = sorted(named_all.items(), key=lambda kv: -kv[1].n)[:MAX_GROUPS]
        label = f"{self.column} by {self.by}"
        extra = {"groups_total": len(named_all)}
        raw = (
            small_values.group_raw(ctx, self.column, self.by, RAW_CAP)
            if self.wants_raw(largest)
            else None
        )
        if self.test == "kruskal" and raw is None:
            return Outcome(
                Status.ERROR,
                f"{label}: kruskal needs the raw values, and the partition has more than "
                f"{RAW_CAP} of them: use test='welch'",
            )
        threshold = omega_threshold(self, prep.min_effect)
        return anova_outcome(
            label, dict(sorted(largest)), raw, prep, threshold, extra, self.test, self.check_name
        )

    def wants_raw(self, groups: list[tuple[Any, stats.Moments]]) -> bool:
        """Raw values (one bounded query) for Kruskal-Wallis, or for Welch's ANOVA when a group
        is small and the partition holds at most RAW_CAP values (ADR 0125)."""
        if self.test == "kruskal":
            return True
        ns = [g.n for _, g in groups]
        return self.test == "welch" and bool(ns) and min(ns) <= SMALL_GROUP and sum(ns) <= RAW_CAP
