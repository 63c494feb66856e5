"""pandera schema validation, lazy, chunk by chunk.

Every failing (column, check) group becomes one result with its failing-row count and a bounded
sample of failing values; a ``schema`` row summarises the whole validation. Row-level checks see
every row (chunk by chunk); dataframe-wide checks of the model (``unique`` in Config) see one chunk
at a time, which the summary's ``details.scope`` states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from checks.base import Accumulator, Check, CheckContext, sample_values
from datavigil.batch import Chunk
from datavigil.outcome import SAMPLE_LIMIT, CheckResult, Outcome, Status


@dataclass
class _Group:
    column: str | None
    check: str
    failing: int = 0
    sample: list[Any] = field(default_factory=list)


class _Pandera(Accumulator):
    def __init__(self, check: SchemaCheck) -> None:
        self.schema = check.model.to_schema()
        self.groups: dict[tuple[str | None, str], _Group] = {}
        self.rows = self.failing_rows = 0

    def update(self, chunk: Chunk) -> None:
        import pandera.errors as pe

        self.rows += len(chunk)
        try:
            self.schema.validate(self._typed_nulls(chunk), lazy=True)
        except pe.SchemaErrors as err:
            self._collect(err.failure_cases)

    def _typed_nulls(self, chunk: Chunk) -> Any:
        """A nullable column that is entirely NULL in this chunk arrives untyped (object): a
        SQL source cannot infer a type from NULLs alone. Give it the model's dtype, so that a
        chunk of NULLs is not reported as a wrong type."""
        frame, typed = chunk.frame, {}
        for name, column in self.schema.columns.items():
            if (
                column.nullable
                and name in frame.columns
                and frame[name].dtype == object
                and chunk.nulls.get(name) == len(frame)
            ):
                try:
                    typed[name] = column.dtype.coerce(frame[name])
                except (TypeError, ValueError):
                    continue
        return frame.assign(**typed) if typed else frame

    def _collect(self, cases: Any) -> None:
        import pandas as pd

        cases = cases.copy()
        frame_level = cases["schema_context"].astype(str).eq("DataFrameSchema")
        cases["column"] = cases["column"].where(cases["column"].notna(), None)
        # a missing (or unexpected) column is reported with the model's name as its "column"
        # and the column's name as the failure case: name the column itself
        presence = frame_level & cases["check"].isin(["column_in_dataframe", "column_in_schema"])
        cases.loc[presence, "column"] = cases.loc[presence, "failure_case"].astype(str)
        self.failing_rows += int(cases.loc[~frame_level, "index"].dropna().nunique())
        for (column, check), part in cases.groupby(["column", "check"], dropna=False, sort=False):
            col = None if pd.isna(column) else str(column)
            group = self.groups.setdefault((col, str(check)), _Group(col, str(check)))
            is_frame = bool(frame_level.loc[part.index].all())
            group.failing = max(group.failing, 1) if is_frame else group.failing + len(part)
            if len(group.sample) < SAMPLE_LIMIT:
                values = part["failure_case"].drop_duplicates()
                group.sample += sample_values(values, SAMPLE_LIMIT - len(group.sample))

    def finish(self, ctx: CheckContext) -> Outcome:
        if not self.groups:
            return Outcome(
                Status.PASS,
                f"{self.rows} rows match the schema",
                observed_value=0.0,
                threshold="0 failing checks",
                rows_checked=self.rows,
                failing_rows=0,
                details={"scope": "chunked"},
            )
        names = ", ".join(f"{g.column or '<frame>'}:{g.check}" for g in self.groups.values())
        return Outcome(
            Status.FAIL,
            f"{len(self.groups)} schema check(s) failed: {names}",
            observed_value=float(len(self.groups)),
            threshold="0 failing checks",
            rows_checked=self.rows,
            failing_rows=self.failing_rows,
            details={"scope": "chunked"},
        )


@dataclass(frozen=True)
class SchemaCheck(Check):
    """``model``: the pandera DataFrameModel. Added by the engine for a suite's ``model``."""

    model: Any  # type: ignore[misc]

    check_type = "schema"

    def default_name(self) -> str:
        return "schema"

    def accumulator(self) -> Accumulator:
        return _Pandera(self)

    def results(self, acc: Accumulator, ctx: CheckContext) -> list[CheckResult]:
        summary = super().results(acc, ctx)
        assert isinstance(acc, _Pandera)
        if ctx.rows == 0:
            return summary
        rows = [
            self.result(_group_outcome(g, acc.rows), name=_group_name(g), column=g.column)
            for g in acc.groups.values()
        ]
        return summary + rows


def _group_name(group: _Group) -> str:
    return f"schema.{group.column or '<frame>'}.{group.check}"


def _group_outcome(group: _Group, rows: int) -> Outcome:
    where = f"column '{group.column}'" if group.column else "the frame"
    return Outcome(
        Status.FAIL,
        f"{where} failed {group.check}: {group.failing} failing value(s)",
        observed_value=float(group.failing),
        threshold="0 failing values",
        rows_checked=rows,
        failing_rows=group.failing,
        failure_sample=tuple(group.sample),
        details={"pandera_check": group.check},
    )
