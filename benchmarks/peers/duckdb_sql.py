"""Raw DuckDB SQL: the suite as three aggregate queries over the Parquet files.

    python benchmarks/peers/duckdb_sql.py DATA_DIR N

1. one pass over current: NULL/NaN counts, range counts, moments for the t-tests;
2. the uniqueness of event_id (a GROUP BY ... HAVING count(*) > 1);
3. moments of latency_ms per UTC day of current, plus the reference's moments (UNION ALL).
"""

from __future__ import annotations

import time

import duckdb
import suite as s

DUCK_TYPES = {"int64": "BIGINT", "float64": "DOUBLE", "string": "VARCHAR", "timestamp": "TIMESTAMP"}


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def missing_expr(name: str) -> str:
    cond = f"{q(name)} IS NULL"
    if name in s.FLOATS:
        cond += f" OR isnan({q(name)})"
    return f"count(*) FILTER (WHERE {cond})"


def range_expr(name: str, lo: float | None, hi: float | None) -> str:
    parts = ([f"{q(name)} < {lo!r}"] if lo is not None else []) + (
        [f"{q(name)} > {hi!r}"] if hi is not None else []
    )
    return f"count(*) FILTER (WHERE NOT isnan({q(name)}) AND ({' OR '.join(parts)}))"


def moment_exprs(name: str) -> list[str]:
    f = f"FILTER (WHERE NOT isnan({q(name)}))"
    return [f"count({q(name)}) {f}", f"avg({q(name)}) {f}", f"var_samp({q(name)}) {f}"]


def scan_query() -> tuple[str, list[str]]:
    keys, exprs = ["rows"], ["count(*)"]
    for name in s.NOT_NULL:
        keys.append(f"not_null:{name}")
        exprs.append(missing_expr(name))
    for name, (lo, hi) in s.RANGES.items():
        keys.append(f"range:{name}")
        exprs.append(range_expr(name, lo, hi))
    for name in s.TTEST:
        keys += [f"n:{name}", f"mean:{name}", f"var:{name}"]
        exprs += moment_exprs(name)
    return f"SELECT {', '.join(exprs)} FROM read_parquet(?)", keys


def schema_problems(con: duckdb.DuckDBPyConnection, path: str) -> int:
    rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [path]).fetchall()
    types = {r[0]: r[1] for r in rows}
    bad = sum(1 for name in types if name not in s.EXPECTED)
    return bad + sum(types.get(n) != DUCK_TYPES[t] for n, t in s.EXPECTED.items())


UNIQUE_SQL = (
    "SELECT coalesce(sum(c), 0) FROM (SELECT count(*) AS c FROM read_parquet(?) "
    "WHERE {k} IS NOT NULL GROUP BY {k} HAVING count(*) > 1)"
)
GROUPS_SQL = (
    "SELECT CAST(CAST(ts AS DATE) AS VARCHAR) AS g, {m} FROM read_parquet(?) GROUP BY g "
    "UNION ALL SELECT 'reference', {m} FROM read_parquet(?) ORDER BY g"
)


def main() -> None:
    cur, ref, _ = s.args()
    t0 = time.perf_counter()
    con = duckdb.connect()
    # Parquet min/max statistics leave NaN out, and DuckDB's statistics propagation then folds
    # isnan(x) to false (duckdb/duckdb#7803): NaN would count as present and in range.
    con.execute("SET disabled_optimizers = 'statistics_propagation'")
    failures = {"schema": schema_problems(con, cur)}
    sql, keys = scan_query()
    got = dict(zip(keys, con.execute(sql, [cur]).fetchone(), strict=True))
    failures.update({k: got[k] for k in keys if k.startswith(("not_null:", "range:"))})
    unique_sql = UNIQUE_SQL.format(k=q(s.UNIQUE))
    failures[f"unique:{s.UNIQUE}"] = con.execute(unique_sql, [cur]).fetchone()[0]
    ref_exprs = ", ".join(e for c in s.TTEST for e in moment_exprs(c))
    ref_sql = f"SELECT {ref_exprs} FROM read_parquet(?)"
    ref_row = con.execute(ref_sql, [ref]).fetchone()
    tests = {}
    for i, name in enumerate(s.TTEST):
        c = (got[f"n:{name}"], got[f"mean:{name}"], got[f"var:{name}"])
        tests[f"ttest:{name}"] = s.welch(*c, *ref_row[3 * i : 3 * i + 3])
    groups_sql = GROUPS_SQL.format(m=", ".join(moment_exprs(s.ANOVA)))
    groups = [tuple(r[1:]) for r in con.execute(groups_sql, [cur, ref]).fetchall()]
    tests[f"anova:{s.ANOVA}"] = s.anova(groups)
    s.emit("duckdb", time.perf_counter() - t0, failures, tests, rows=got["rows"])


if __name__ == "__main__":
    main()
