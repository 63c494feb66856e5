"""The row path: a model's custom pandera checks (Python callables) on a bounded sample."""

from __future__ import annotations

from typing import Any

from datavigil.core.outcome import (
    SAMPLE_LIMIT,
    CheckResult,
    Outcome,
    Severity,
    Status,
    clean_scalar,
)
from datavigil.engine import metrics as m


def _frame(ctx: Any, limit: int) -> Any:
    import pandas as pd

    cols = tuple(ctx.columns)
    sample = m.Sample(cols, limit)
    got = ctx.fetch([sample]).get(sample)
    return pd.DataFrame.from_records(got, columns=list(cols))


def _one(column: str | None, check: Any, frame: Any) -> tuple[int, list[Any]]:
    import pandera.errors as pe
    import pandera.pandas as pa

    if column is None:
        schema = pa.DataFrameSchema(checks=[check])
    else:
        schema = pa.DataFrameSchema({column: pa.Column(checks=[check], nullable=True)})
    try:
        schema.validate(frame, lazy=True)
    except pe.SchemaErrors as err:
        cases = err.failure_cases
        values = cases["failure_case"].drop_duplicates().head(SAMPLE_LIMIT).tolist()
        return len(cases), [clean_scalar(v) for v in values]
    return 0, []


def run_custom(
    custom: list[tuple[str | None, Any]], model: Any, ctx: Any, limit: int
) -> list[CheckResult]:
    """One failing row per custom check that failed on the sample (``details.scope``)."""
    if ctx.fetch is None:
        return []
    frame = _frame(ctx, limit)
    out: list[CheckResult] = []
    for column, check in custom:
        failing, sample = _one(column, check, frame)
        if not failing:
            continue
        scope = "sample" if len(frame) >= limit else "all rows"
        out.append(CheckResult(
            check_name=f"schema.{column or '<frame>'}.{check.name}", check_type="schema",
            column_name=column, severity=Severity.ERROR,
            outcome=Outcome(
                Status.FAIL, f"{'column ' + repr(column) if column else 'the frame'} failed "
                f"{check.name}: {failing} failing value(s) in {len(frame)} rows ({scope})",
                observed_value=float(failing), threshold="0 failing values",
                rows_checked=len(frame), failing_rows=failing, failure_sample=tuple(sample),
                details={"pandera_check": check.name, "scope": scope},
            ),
        ))  # fmt: skip
    return out
