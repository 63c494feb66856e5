"""pandera schema validation, compiled into metrics (docs/adr/0031).

The model's declared properties become aggregates computed where the data is: column presence
and dtype come from the source's schema (once); ``nullable=False``, ``unique`` and the built-in
checks (in_range, ge/gt/le/lt, eq/ne, isin/notin, str_matches/contains/startswith/endswith,
str_length) become predicate counts. Each failing (column, check) is one result named
``schema.<column>.<check>`` (parameters in ``details``) with its failing-row count and at most
``SAMPLE_LIMIT`` distinct failing values, as pandera reports them; a ``schema`` row summarises.
Custom checks (Python callables) cannot be compiled: they run on rows, a bounded sample of
``ROW_SAMPLE`` rows drawn by the engine, and ``details.scope`` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import Check, CheckContext
from datavigil.checks.schema_compile import Compiled, compile_model
from datavigil.core.outcome import SAMPLE_LIMIT, CheckResult, Outcome, Status
from datavigil.engine import metrics as m

ROW_SAMPLE = 100_000
COMPILED_KEPT = 64  # models x source columns kept compiled (a process validates a few suites)
_COMPILED: dict[tuple[Any, tuple[tuple[str, Any], ...]], Compiled] = {}


@dataclass(frozen=True)
class SchemaCheck(Check):
    """``model``: the pandera DataFrameModel. Added by the engine for a suite's ``model``."""

    model: Any  # type: ignore[misc]

    check_type = "schema"

    def default_name(self) -> str:
        return "schema"

    def compiled(self, columns: dict[str, Any]) -> Compiled:
        """The model compiled for the source's ``columns``: once per model and columns (twice a
        run before; a backfill's days share it, docs/adr/0154). Compiled is only read."""
        key = (self.model, tuple(columns.items()))
        got = _COMPILED.get(key)
        if got is None:
            if len(_COMPILED) >= COMPILED_KEPT:
                _COMPILED.clear()
            got = _COMPILED[key] = compile_model(self.model.to_schema(), columns)
        return got

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.RowCount(), *self.compiled(columns).metrics()]

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        if ctx.rows == 0:
            return super().results(values, ctx)
        compiled = self.compiled(ctx.columns)
        rows: list[CheckResult] = []
        failing = 0
        for rule in compiled.rules:
            outcome = rule.judge(values, ctx.rows)
            if outcome is None:
                continue
            if outcome.status is Status.FAIL and rule.sample is not None and ctx.fetch:
                got = ctx.fetch([rule.sample]).data.get(rule.sample)
                if isinstance(got, list):
                    sample = tuple(r[0] for r in got[:SAMPLE_LIMIT])
                    outcome = _with(outcome, failure_sample=sample)
            if isinstance(rule.metric, m.CountWhere):  # a built-in compiled to a predicate
                outcome = self.kept(outcome, ctx, RuleRows(rule.name, rule.metric.predicate))
            failing = max(failing, outcome.failing_rows or 0)
            rows.append(self.result(outcome, name=rule.name, column=rule.column))
        rows += [
            self.result(r.outcome, name=r.check_name, column=r.column_name)
            for r in compiled.row_path(self.model, ctx, ROW_SAMPLE)
        ]
        union = compiled.union_failing(values)
        return [self.result(_summary(rows, ctx.rows, union, compiled.scope))] + rows


@dataclass(frozen=True)
class RuleRows:
    """The failing rows of one compiled pandera check, for ``store_failures``."""

    check_name: str
    predicate: Any

    def failing_predicate(self) -> Any:
        return self.predicate


def _with(outcome: Outcome, **changes: Any) -> Outcome:
    from dataclasses import replace

    return replace(outcome, **changes)


def _summary(rows: list[CheckResult], n: int, union: int | None, scope: str) -> Outcome:
    failed = [r for r in rows if r.status is Status.FAIL]
    errors = [r for r in rows if r.status is Status.ERROR]
    details = {"scope": scope, "checks_failed": len(failed), "checks_error": len(errors)}
    if not failed and not errors:
        return Outcome(
            Status.PASS, f"{n} rows match the schema", observed_value=0.0,
            threshold="0 failing checks", rows_checked=n, failing_rows=0, details=details,
        )  # fmt: skip
    names = ", ".join(
        f"{r.column_name or '<frame>'}:{r.check_name.rsplit('.', 1)[-1]}" for r in failed + errors
    )
    return Outcome(
        Status.FAIL if failed else Status.ERROR,
        f"{len(failed) + len(errors)} schema check(s) failed: {names}",
        observed_value=float(len(failed) + len(errors)),
        threshold="0 failing checks",
        rows_checked=n,
        failing_rows=union
        if union is not None
        else max((r.outcome.failing_rows or 0 for r in failed), default=0),
        details=details,
    )
