"""The benchmark suite as datavigil suite modules, and check_results translated back to it.

``file`` mode (the rewritten engine's API; adapt here when it lands): FileSource over one Parquet
file, whole table. ``sql`` mode (today's engine): SqlSource over in-process DuckDB; ``pg`` mode:
SqlSource over the PostgreSQL tables of benchmarks/pg_bench.py. Both declare
the same checks: a dtype-only pandera model (schema), NullRate(max_fraction=0) per not-null
column, Range per range, Unique(event_id), MeanShift per t-test column against the reference
snapshot, and the ANOVA of latency_ms over the 7 days plus the reference.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import suite as s

REFERENCE_WINDOW = ("2024-01-01", "2024-01-01")  # a whole-table source is read once
RUN_DATE = "2024-01-14"  # the last day of current (DayAnova: it and the 6 days before)

HEADER = '''"""The benchmark suite (written by benchmarks/peers/datavigil_peer.py)."""

import pandera.pandas as pa
from pandera.typing import Series

from datavigil.checks import DayAnova, GroupAnova, MeanShift, NullRate, Range, Unique
from datavigil import FileSource, SqlSource, Suite


class Log(pa.DataFrameModel):
    """Names and types only: NULLs and ranges are the checks' business."""

    event_id: Series[int] = pa.Field(nullable=True)
    ts: Series[pa.DateTime] = pa.Field(nullable=True)
    user_age: Series[float] = pa.Field(nullable=True)
    country: Series[str] = pa.Field(nullable=True)
    device: Series[str] = pa.Field(nullable=True)
    latency_ms: Series[float] = pa.Field(nullable=True)
    amount: Series[float] = pa.Field(nullable=True)
    score: Series[float] = pa.Field(nullable=True)
    label: Series[int] = pa.Field(nullable=True)
    f1: Series[float] = pa.Field(nullable=True)
    f2: Series[float] = pa.Field(nullable=True)
    f3: Series[float] = pa.Field(nullable=True)

    class Config:
        strict = True


CHECKS = [
    *[NullRate(c, max_fraction=0.0) for c in {not_null!r}],
    Range("user_age", min=0, max=130),
    Range("score", min=0, max=1),
    Range("latency_ms", min=0),
    Range("amount", min=0),
    Unique(("event_id",)),
    *[MeanShift(c) for c in {ttest!r}],
]
'''

FILE_SUITES = """
suite = Suite(
    name="bench_current",
    dataset="bench",
    source=FileSource(path={cur!r}),
    model=Log,
    checks=CHECKS,
)

reference = Suite(name="bench_reference", dataset="bench", source=FileSource(path={ref!r}))

# the one-way ANOVA of latency_ms over the 7 days of current plus the reference: a GroupAnova
# pushed down into DuckDB (a query source: the day column is derived)
anova = Suite(
    name="bench_anova",
    dataset="bench_anova",
    source=SqlSource(query={anova!r}, url="duckdb:///:memory:"),
    checks=[GroupAnova("latency_ms", by="day", test="classic")],
)
"""

SQL_SUITES = """
suite = Suite(
    name="bench_current",
    dataset="bench",
    source=SqlSource({current}, url={url!r}),
    model=Log,
    checks=CHECKS,
)

reference = Suite(
    name="bench_reference", dataset="bench", source=SqlSource({reference}, url={url!r})
)

anova = Suite(
    name="bench_anova",
    dataset="bench_anova",
    source=SqlSource(query={anova!r}, url={url!r}),
    checks=[GroupAnova("latency_ms", by="day", test="classic")],
)
"""
DAYS_AND_REFERENCE = (
    "SELECT CAST(CAST(ts AS DATE) AS VARCHAR) AS day, latency_ms FROM {cur} "
    "UNION ALL SELECT 'reference' AS day, latency_ms FROM {ref}"
)


def sql_suites(mode: str, cur: str, ref: str) -> str:
    """``sql``: DuckDB in process over the Parquet files; ``pg``: tables bench and
    bench_reference at DATAVIGIL_BENCH_PG_URL (benchmarks/pg_bench.py)."""
    if mode == "pg":
        url, tables = os.environ["DATAVIGIL_BENCH_PG_URL"], ("bench", "bench_reference")
        current, reference = (f"table={t!r}" for t in tables)
    else:
        url = "duckdb:///:memory:"
        tables = tuple(f"read_parquet({p!r})" for p in (cur, ref))
        current, reference = (f"query={'SELECT * FROM ' + t!r}" for t in tables)
    anova = DAYS_AND_REFERENCE.format(cur=tables[0], ref=tables[1])
    return SQL_SUITES.format(current=current, reference=reference, url=url, anova=anova)


@dataclass(frozen=True)
class Names:
    reference: str
    validated: tuple[str, ...]


def write(schemas: Path, cur: str, ref: str, mode: str) -> Names:
    schemas.mkdir(parents=True, exist_ok=True)
    head = HEADER.replace("{not_null!r}", repr(list(s.NOT_NULL)))
    head = head.replace("{ttest!r}", repr(list(s.TTEST)))
    if mode == "file":
        tables = tuple(f"read_parquet({p!r})" for p in (cur, ref))
        anova = DAYS_AND_REFERENCE.format(cur=tables[0], ref=tables[1])
        body = FILE_SUITES.replace("{cur!r}", repr(cur)).replace("{ref!r}", repr(ref))
        body = body.replace("{anova!r}", repr(anova))
    else:
        body = sql_suites(mode, cur, ref)
    (schemas / "bench.py").write_text(head + body)
    validated = ("bench_current", "bench_anova")
    return Names("bench_reference", validated)


def translate(rows: list[tuple[Any, ...]]) -> tuple[dict[str, int], dict, list[str]]:
    """check_results rows (check_name, column_name, status, failing_rows, statistic, p_value,
    message) -> the suite's failing counts and tests, and the checks that could not run."""
    failures: dict[str, int] = {"schema": 0}
    tests: dict[str, tuple[float, float]] = {}
    schema_cols: set[str] = set()
    problems = []
    prefixes = {"nulls": "not_null", "ranges": "range", "unique": "unique"}
    for name, column, status, failing, stat, p, message in rows:
        family, _, rest = name.partition(".")
        if status == "error":
            problems.append(f"{name}: {message}")
        elif family == "schema" and rest:
            schema_cols.add(column or rest)
        elif family in prefixes:
            failures[f"{prefixes[family]}:{rest}"] = int(failing or 0)
        elif family == "distribution" and stat is not None:
            tests[f"ttest:{rest}"] = (stat, p)
        elif family.startswith("anova") and stat is not None:
            tests[f"anova:{rest.split('.')[0]}"] = (stat, p)
    failures["schema"] = len(schema_cols)
    return failures, tests, problems
