"""The suite as one hand-written PostgreSQL aggregate query over tables bench and
bench_reference (benchmarks/pg_bench.py loads them), plus the catalogue query for the schema.
The reference is the last of the 8 ANOVA groups ('reference' sorts after the ISO dates).

    python benchmarks/peers/pg_query.py CONNINFO

PostgreSQL has NaN: NaN = NaN is true and NaN sorts above every number, so NaN is tested with
``= 'NaN'`` and left out of ranges and moments explicitly. var_samp is PostgreSQL's stable
(Youngs-Cramer) aggregate; per-group moments come back as JSON with round-trip float digits.
"""

from __future__ import annotations

import json
import sys
import time

import psycopg
import suite as s

PG_TYPES = {
    "int64": "bigint",
    "float64": "double precision",
    "string": "text",
    "timestamp": "timestamp without time zone",
}
NAN = "'NaN'::float8"


def missing(col: str) -> str:
    extra = f" OR {col} = {NAN}" if col in s.FLOATS else ""
    return f"count(*) FILTER (WHERE {col} IS NULL{extra})"


def outside(col: str, lo: float | None, hi: float | None) -> str:
    parts = [f"{col} < {lo!r}"] if lo is not None else []
    parts += [f"{col} > {hi!r}"] if hi is not None else []
    return f"count(*) FILTER (WHERE {col} <> {NAN} AND ({' OR '.join(parts)}))"


def moments(col: str) -> list[str]:
    f = f"FILTER (WHERE {col} <> {NAN})"
    return [f"count({col}) {f}", f"avg({col}) {f}", f"var_samp({col}) {f}"]


def query() -> tuple[str, list[str]]:
    keys = [f"not_null:{c}" for c in s.NOT_NULL] + [f"range:{c}" for c in s.RANGES]
    cur = [missing(c) for c in s.NOT_NULL] + [outside(c, *b) for c, b in s.RANGES.items()]
    for col in s.TTEST:
        keys += [f"cur:{col}:{m}" for m in ("n", "mean", "var")]
        cur += moments(col)
    ref = [e for col in s.TTEST for e in moments(col)]
    keys += [f"ref:{col}:{m}" for col in s.TTEST for m in ("n", "mean", "var")]
    keys += [f"unique:{s.UNIQUE}", "groups"]
    a = s.ANOVA
    group = f"count({a}) AS n, avg({a}) AS m, var_samp({a}) AS v"
    sql = f"""
WITH cur AS (SELECT {", ".join(cur)} FROM bench),
ref AS (SELECT {", ".join(ref)} FROM bench_reference),
dup AS (SELECT coalesce(sum(c), 0) FROM (SELECT count(*) AS c FROM bench
        WHERE {s.UNIQUE} IS NOT NULL GROUP BY {s.UNIQUE} HAVING count(*) > 1) AS d),
grp AS (SELECT json_agg(json_build_array(n, m, v) ORDER BY g) FROM (
        SELECT ts::date::text AS g, {group} FROM bench WHERE {a} <> {NAN} GROUP BY 1
        UNION ALL SELECT 'reference', {group} FROM bench_reference WHERE {a} <> {NAN}) AS x)
SELECT * FROM cur, ref, dup, grp"""
    return sql, keys


def main() -> None:
    conninfo = sys.argv[1]
    t0 = time.perf_counter()
    with psycopg.connect(conninfo) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'bench' AND table_schema = 'public'"
            ).fetchall()
        )
        sql, keys = query()
        row = dict(zip(keys, con.execute(sql).fetchone(), strict=True))
    bad_types = sum(types.get(c) != PG_TYPES[t] for c, t in s.EXPECTED.items())
    failures = {"schema": bad_types + sum(c not in s.EXPECTED for c in types)}
    failures |= {k: row[k] for k in s.check_names() if k in row}
    tests = {}
    for col in s.TTEST:
        cur = [float(row[f"cur:{col}:{m}"]) for m in ("n", "mean", "var")]
        ref = [float(row[f"ref:{col}:{m}"]) for m in ("n", "mean", "var")]
        tests[f"ttest:{col}"] = s.welch(*cur, *ref)
    groups = json.loads(row["groups"]) if isinstance(row["groups"], str) else row["groups"]
    groups = [tuple(map(float, g)) for g in groups]
    tests[f"anova:{s.ANOVA}"] = s.anova(groups)
    s.emit("postgresql query", time.perf_counter() - t0, failures, tests)


if __name__ == "__main__":
    main()
