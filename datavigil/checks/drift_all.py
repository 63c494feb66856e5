"""Drift on every column (issue 20 item 5, ADR 0136): a suite's ``drift="all"`` (declared in
``datavigil.declare.drift``) becomes, at the start of a run, one ``MeanShift`` (Welch) per
numeric column and one ``CategoryShift`` (chi-square with pooling) per categorical column that
no distribution check of the suite names, each named ``drift.<column>``, plus one row ``drift``
naming the columns tested and those left untested with the reason.

The columns and their kinds are read from the reference snapshot the tests compare against
(read once per run, shared with the suite's own distribution checks): no query of the source
is added. The generated checks are ordinary distribution checks, so they ask the engine for the
same metrics (moments, bounded frequencies) in the run's one scan and join the run's Holm
family (datavigil.stats.multitest). While no snapshot exists (warm-up) or when it cannot be
used, the one row ``drift`` says why and nothing is generated.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datavigil.checks.base import Check, CheckContext
from datavigil.core.outcome import Outcome, Severity, Status

if TYPE_CHECKING:  # checks.reference imports numpy: imported where a run needs it
    from datavigil.checks.reference import Prepared

ID_MIN_VALUES = 20  # fewer values in the reference are never called ID-like
ID_SINGLE_SHARE = 0.5  # categorical: share of the reference's values that occur once


@dataclass(frozen=True)
class DriftAllCheck(Check):
    """The suite's ``drift`` before the run expands it (``expand``): judged on its own only
    when no plan could be made (no snapshot yet, an unusable one), as one row ``drift``."""

    spec: Any = None  # datavigil.declare.drift.DriftAll
    named: tuple[tuple[str, str], ...] = ()  # (column, check) of the suite's distribution checks
    skip: tuple[str, ...] = ()  # the partition column
    alpha: float | None = None
    min_effect: float | None = None
    reference: Any = None

    check_type = "distribution.drift_all"
    phase = "distribution"
    needs_scan = False
    needs_rows = False

    @classmethod
    def of(cls, suite: Any) -> DriftAllCheck | None:
        """The suite's drift declaration bound to what the suite already tests."""
        spec = getattr(suite, "drift", None)
        if spec is None:
            return None
        named = tuple(
            (c.column, c.check_name)
            for c in suite.checks
            if getattr(c, "phase", None) == "distribution"
            and isinstance(getattr(c, "column", None), str)
        )
        part = suite.partition.column if suite.partition is not None else None
        return cls(
            spec=spec, named=named, skip=(part,) if part else (), alpha=spec.alpha,
            min_effect=spec.min_effect, reference=spec.reference, severity=Severity(spec.severity),
        )  # fmt: skip

    def default_name(self) -> str:
        return "drift"

    def prepare(self, env: Any) -> Prepared:
        from datavigil.checks.reference import Prepared, prepare_snapshot

        if env is None:
            return Prepared(problem="no results store: the reference snapshot cannot be read")
        suite = env.suite
        prep = Prepared(
            alpha=self.alpha if self.alpha is not None else suite.alpha,
            min_effect=self.min_effect if self.min_effect is not None else suite.min_effect,
        )
        return prepare_snapshot(env, self, [], prep)

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        prep = ctx.prepared
        problem = getattr(prep, "problem", None) or "no plan was made"
        status = prep.problem_status if prep is not None and prep.problem else Status.ERROR
        return Outcome(status, f"drift on every column: {problem}")

    def expand(self, env: Any) -> list[Check]:
        """The generated checks and the ``drift`` row, or itself when no plan can be made."""
        from datavigil.checks.reference import Prepared, prepare_snapshot

        prep = self.prepare(env)
        ref = prep.reference
        if prep.problem is not None or ref is None:
            return [self]
        numeric = [c for c, e in ref.columns.items() if e.get("kind") == "numeric"]
        sample = prepare_snapshot(env, self, numeric, Prepared()).sample or {}
        plan = Plan()
        for column, entry in sorted(ref.columns.items()):  # jsonb keeps no order
            reason = self.untested(column, entry, sample.get(column), ref.label)
            if reason is None:
                plan.tested.append((column, entry.get("kind")))
            else:
                plan.untested[column] = reason
        return [*self.generated(plan), DriftPlanned(plan=plan, severity=self.severity)]

    def untested(self, column: str, entry: dict[str, Any], sample: Any, label: str) -> str | None:
        """Why ``column`` gets no generated test, or None."""
        own = dict(self.named)
        if column in own:
            return f"has its own distribution check {own[column]}"
        if column in self.spec.exclude:
            return "excluded by DriftAll(exclude=...)"
        if column in self.skip:
            return "the partition column"
        kind = entry.get("kind")
        if kind == "numeric":
            return numeric_reason(column, entry, sample, label)
        if kind == "categorical":
            return categorical_reason(entry)
        what = "a date/time column" if kind == "datetime" else f"a column of kind {kind}"
        return f"{what}: no drift test for its type"

    def generated(self, plan: Plan) -> list[Check]:
        from datavigil.checks.categorical_shift import CategoryShift
        from datavigil.checks.distribution import MeanShift

        out: list[Check] = []
        common = {"alpha": self.alpha, "reference": self.reference, "severity": self.severity}
        for column, kind in plan.tested:
            name = f"drift.{column}"
            if kind == "numeric":
                out.append(MeanShift(column, min_effect=self.min_effect, name=name, **common))
            else:
                v = self.spec.category_min_effect
                out.append(CategoryShift(column, min_effect=v, name=name, **common))
        return out


def numeric_reason(column: str, entry: dict[str, Any], sample: Any, label: str) -> str | None:
    """A numeric column is untested when its reference cannot anchor a standardized shift
    (constant, fewer than 2 values, overflow), or when it looks like an ID: at least 20 sampled
    values, all whole numbers and all distinct."""
    from datavigil.checks.reference import usable_reference
    from datavigil.stats import sufficient as stats

    ref = stats.Moments.from_dict(entry["moments"])
    _, problem = usable_reference(ref, label, column)
    if problem is not None:
        return problem.split(": ", 1)[-1] if ": " in problem else problem
    if sample is not None and len(sample) >= ID_MIN_VALUES:
        whole = bool((sample == sample.round()).all())
        if whole and len(set(sample.tolist())) == len(sample):
            return f"ID-like: all {len(sample)} sampled reference values are distinct integers"
    return None


def categorical_reason(entry: dict[str, Any]) -> str | None:
    """A categorical column is untested when it looks like an ID: at least 20 values counted in
    the reference, half or more of them occurring once (a chi-square test would compare values
    that never recur)."""
    freq = entry.get("frequencies")
    if freq is None:
        return "the reference stored no frequencies for it"
    counts = [int(v) for v in freq.values()]
    total, once = sum(counts), sum(1 for v in counts if v == 1)
    if total >= ID_MIN_VALUES and once >= ID_SINGLE_SHARE * total:
        return f"ID-like: {once} of the reference's {total} values occur once"
    return None


@dataclass
class Plan:
    """The columns given a generated test (with their kind) and those left untested (reason)."""

    tested: list[tuple[str, Any]] = field(default_factory=list)
    untested: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DriftPlanned(Check):
    """The row ``drift``: the columns tested and the columns left untested, with the reason."""

    plan: Plan = field(default_factory=Plan)

    check_type = "distribution.drift_all"
    phase = "distribution"
    needs_scan = False
    needs_rows = False

    def default_name(self) -> str:
        return "drift"

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        tested = [c for c, _ in self.plan.tested]
        left = self.plan.untested
        names = "; ".join(f"{c} ({why})" for c, why in left.items())
        message = (
            f"drift on every column: {len(tested)} column(s) tested"
            + (f" ({', '.join(tested)})" if tested else "")
            + (f"; {len(left)} left untested: {names}" if left else "; none left untested")
        )
        status = Status.PASS if tested else Status.SKIPPED
        return Outcome(status, message, details={"tested": tested, "untested": dict(left)})


def expand_drift(checks: list[Check], env: Any) -> list[Check]:
    """The run's checks with the suite's ``drift`` replaced by the checks it generates."""
    out: list[Check] = []
    for check in checks:
        out += check.expand(env) if isinstance(check, DriftAllCheck) else [check]
    return out


def untested_lines(results: list[Any]) -> list[str]:
    """The run summary's line naming the columns drift="all" left untested (its row ``drift``
    passes, so it is hidden without --verbose)."""
    out = []
    for r in results:
        planned = r.check_type == DriftPlanned.check_type
        left = r.outcome.details.get("untested") if planned else None
        if left:
            names = "; ".join(f"{c} ({why})" for c, why in left.items())
            out.append(f"  drift: {len(left)} column(s) left untested: {names}")
    return out
