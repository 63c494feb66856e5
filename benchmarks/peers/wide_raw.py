"""Raw SQL: the 500 counts of the wide suite in one query, as a whole process.

    python benchmarks/peers/wide_raw.py duckdb DATA/wide_1e6.parquet
    python benchmarks/peers/wide_raw.py sqlite DATA/wide_2e4.sqlite

Prints ``RESULT {json}``: the count per check name (wide_suite.py) and the query's seconds.
DuckDB reads the Parquet file with statistics propagation off (Parquet statistics leave NaN
out: ADR 0042, as peers/duckdb_sql.py).
"""

from __future__ import annotations

import json
import sys
import time

import wide_suite as w


def main() -> None:
    backend, path = sys.argv[1:3]
    t0 = time.perf_counter()
    if backend == "duckdb":
        import duckdb

        con = duckdb.connect()
        con.execute("SET disabled_optimizers = 'statistics_propagation'")
        sql, keys = w.count_query("duckdb", "read_parquet(?)")
        row = con.execute(sql, [path]).fetchone()
    else:
        import sqlite3

        sql, keys = w.count_query("sqlite", "wide")
        row = sqlite3.connect(path).execute(sql).fetchone()
    counts = {k: int(v or 0) for k, v in zip(keys, row, strict=True)}
    out = {"tool": f"raw {backend}", "counts": counts, "read_validate_s": time.perf_counter() - t0}
    print("RESULT " + json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
