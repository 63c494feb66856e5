"""Coverage: columns of the validated source that no schema field and no check looks at.

Reported once per run as an informational row (``pass`` with the uncovered columns in the
message and ``details``), so unused or unchecked inputs are visible in the results table. With
``max_uncovered`` set, more uncovered columns than that fail instead. Reads no rows: the
source's columns come from its metadata.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import Check, CheckContext, Gathered
from datavigil.core.outcome import Outcome, Severity, Status


def named_columns(check: Any) -> set[str]:
    """Columns a check or dependency names: ``columns`` (a key) wins over ``column`` (which a
    multi-column check may set to a joined label), plus a timestamp or partition key."""
    value = getattr(check, "columns", None) or getattr(check, "column", None)
    names = {value} if isinstance(value, str) else set(value or ())
    names.update(getattr(check, f, None) for f in ("timestamp", "partition_key"))
    return {n for n in names if isinstance(n, str)}


def covered_by(suite: Any) -> set[str]:
    """Columns the suite's model, partition, checks and own-source dependencies name."""
    names = set(suite.model_columns() or ())
    if suite.partition is not None:
        names.add(suite.partition.column)
    own = [d for d in suite.dependencies if d.source is None]
    for check in (*suite.checks, *own):
        names |= named_columns(check)
    return names


class _Coverage(Gathered):
    def __init__(self) -> None:
        self.columns: list[str] = []
        self.covered: set[str] = set()

    def prepare(self, env: Any) -> None:
        from datavigil.engine import probes

        where = probes.Where(env.suite.name, env.suite.name)
        self.columns = list(probes.column_types(env.suite.source, where, env.window))
        self.covered = covered_by(env.suite)

    def finish(self, ctx: CheckContext) -> Outcome:
        raise NotImplementedError  # judged by Coverage.verdict (see results)


@dataclass(frozen=True)
class Coverage(Check):
    """``max_uncovered``: None (informational: always recorded as pass) or the number of
    uncovered columns above which the result fails."""

    max_uncovered: int | None = None
    severity: Severity | str = Severity.WARN

    check_type = "coverage"
    needs_scan = False
    needs_rows = False

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        m = self.max_uncovered
        if m is not None and (not isinstance(m, int) or m < 0):
            return [f"max_uncovered must be None or an integer >= 0, got {m!r}"]
        return []

    def gatherer(self) -> Gathered:
        return _Coverage()

    def results(self, values: Any, ctx: CheckContext) -> list[Any]:
        acc = ctx.prepared
        assert isinstance(acc, _Coverage)
        return [self.result(self.verdict(acc.columns, acc.covered))]

    def verdict(self, columns: list[str], covered: set[str]) -> Outcome:
        if not columns:
            return Outcome(Status.ERROR, "the source reports no columns")
        uncovered = [c for c in columns if c not in covered]
        limit = self.max_uncovered
        failed = limit is not None and len(uncovered) > limit
        listed = ", ".join(uncovered) if uncovered else "none"
        return Outcome(
            Status.FAIL if failed else Status.PASS,
            f"{len(uncovered)} of {len(columns)} source columns covered by no schema field "
            f"or check: {listed}",
            observed_value=float(len(uncovered)),
            threshold="informational" if limit is None else f"<= {limit} uncovered",
            details={
                "uncovered": listed,
                "columns": len(columns),
                "covered": len(columns) - len(uncovered),
            },
        )
