"""The wide suite of benchmarks/wide_bench.py: 500 checks on one table, as a datavigil suite
module and as one raw SQL query computing the same 500 counts.

Columns ``c000``..``c099`` (``COLUMNS``; the SQLite table has 500, ``c000``..``c499``, for its
500-column pandera model); a column is int64 when its index is 2 mod 4, float64 otherwise. Five
checks per column (``SPECS``), each named ``<prefix>.<column>``:

- ``nulls``: NullRate(max_fraction=0.01); its count is NULLs plus NaNs;
- ``ranges``: Range [0, 100]; ``min``: Range >= 0; ``max``: Range <= 100; ``open``: Range
  (-50, 150), both bounds exclusive. A range counts the non-NULL, non-NaN values outside it.

The generator (wide_bench.py) injects: 2% NULLs in every column whose index is 3 mod 20 (0.1% or
0.2% in the others), NaNs in float columns whose index is 0 mod 7, -1 into those 1 mod 10 and 150
into those 6 mod 10: 55 of the 500 checks fail.
"""

from __future__ import annotations

COLUMNS = 100
MODEL_COLUMNS = 500
MAX_FRACTION = 0.01
# prefix -> (min, max, min_inclusive, max_inclusive); None: the NullRate
SPECS: dict[str, tuple[float | None, float | None, bool, bool] | None] = {
    "nulls": None,
    "ranges": (0, 100, True, True),
    "min": (0, None, True, True),
    "max": (None, 100, True, True),
    "open": (-50, 150, False, False),
}


def names(count: int = COLUMNS) -> list[str]:
    return [f"c{i:03d}" for i in range(count)]


def is_int(column: str) -> bool:
    return int(column[1:]) % 4 == 2


def checks() -> list[tuple[str, str, tuple | None]]:
    """(check name, column, range spec or None for the NullRate), 5 per column."""
    return [(f"{p}.{c}", c, spec) for c in names() for p, spec in SPECS.items()]


def check_code(name: str, column: str, spec: tuple | None) -> str:
    if spec is None:
        return f"NullRate({column!r}, max_fraction={MAX_FRACTION}, name={name!r})"
    lo, hi, lo_in, hi_in = spec
    return (
        f"Range({column!r}, min={lo!r}, max={hi!r}, min_inclusive={lo_in}, "
        f"max_inclusive={hi_in}, name={name!r})"
    )


def model_code(count: int = MODEL_COLUMNS) -> str:
    """A pandera model of ``count`` columns, each in [0, 100] and nullable."""
    lines = ["import pandera.pandas as pa", "from pandera.typing import Series", "", ""]
    lines.append("class Wide(pa.DataFrameModel):")
    for c in names(count):
        kind = "int" if is_int(c) else "float"
        lines.append(f"    {c}: Series[{kind}] = pa.Field(ge=0, le=100, nullable=True)")
    return "\n".join(lines) + "\n"


def suite_module(source: str, model: bool = False) -> str:
    """The suite module: ``source`` is the Python expression of its source."""
    body = ",\n".join(f"    {check_code(*c)}" for c in checks())
    head = '"""The wide suite (written by benchmarks/wide_bench.py)."""\n\n'
    head += "from datavigil import FileSource, SqlSource, Suite\n"
    head += "from datavigil.checks import NullRate, Range\n\n"
    if model:
        head += model_code() + "\n"
    extra = ", model=Wide" if model else ""
    return (
        f"{head}\nCHECKS = [\n{body},\n]\n\n"
        f'suite = Suite(name="wide", dataset="wide", source={source}, checks=CHECKS{extra})\n'
    )


def _outside(col: str, spec: tuple) -> str:
    lo, hi, lo_in, hi_in = spec
    parts = [f"{col} {'<' if lo_in else '<='} {lo}"] if lo is not None else []
    parts += [f"{col} {'>' if hi_in else '>='} {hi}"] if hi is not None else []
    return " OR ".join(parts)


def _count(cond: str, backend: str) -> str:
    if backend == "duckdb":  # 4x faster than 500 count(*) FILTER (WHERE ...) (DuckDB 2.0)
        return f"count_if({cond})"
    return f"sum(CASE WHEN {cond} THEN 1 ELSE 0 END)"  # SQLite: no FILTER before 3.30


def _cleaned(table: str) -> str:
    """DuckDB: each float column with NaN made NULL once (a NaN is neither missing for a range
    nor in it; DuckDB orders NaN above every number), and its missing flag ``m_<column>``: a
    third faster than guarding each of the 500 conditions with ``NOT isnan``."""
    cols = []
    for c in names():
        if is_int(c):
            cols.append(f"{c}, {c} IS NULL AS m_{c}")
        else:
            cols.append(f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END AS {c}, "
                        f"({c} IS NULL OR isnan({c})) AS m_{c}")  # fmt: skip
    return f"(SELECT {', '.join(cols)} FROM {table}) AS t"


def count_query(backend: str, table: str) -> tuple[str, list[str]]:
    """One statement computing every check's count (``backend``: duckdb or sqlite; SQLite
    stores NaN as NULL) and the check names, in order."""
    exprs, keys = ["count(*)"], ["rows"]
    for name, col, spec in checks():
        if spec is None:
            cond = f"m_{col}" if backend == "duckdb" else f"{col} IS NULL"
        else:
            cond = _outside(col, spec)
        exprs.append(_count(cond, backend))
        keys.append(name)
    source = _cleaned(table) if backend == "duckdb" else table
    return f"SELECT {', '.join(exprs)} FROM {source}", keys
