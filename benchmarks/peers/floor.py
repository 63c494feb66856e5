"""The floor: the suite hand-written on pyarrow + numpy, reading only the columns it needs.

python benchmarks/peers/floor.py DATA_DIR N
"""

from __future__ import annotations

import time

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import suite as s

ARROW_TYPES = {
    "int64": pa.int64(),
    "float64": pa.float64(),
    "string": pa.string(),
}


def schema_problems(schema: pa.Schema) -> int:
    bad = sum(1 for f in schema if f.name not in s.EXPECTED)
    for name, logical in s.EXPECTED.items():
        if name not in schema.names:
            bad += 1
            continue
        typ = schema.field(name).type
        ok = pa.types.is_timestamp(typ) if logical == "timestamp" else typ == ARROW_TYPES[logical]
        bad += not ok
    return bad


def floats(col: pa.ChunkedArray) -> np.ndarray:
    """Values as float64 with NULL as NaN."""
    return col.to_numpy()


def missing(table: pa.Table, name: str) -> int:
    col = table.column(name)
    if name in s.FLOATS:
        return int(np.isnan(floats(col)).sum())
    return col.null_count


def outside(values: np.ndarray, lo: float | None, hi: float | None) -> int:
    bad = np.zeros(len(values), dtype=bool)
    if lo is not None:
        bad |= values < lo  # NaN compares False: NULL/NaN ignored
    if hi is not None:
        bad |= values > hi
    return int(bad.sum())


def duplicated_rows(col: pa.ChunkedArray) -> int:
    keys = np.sort(col.drop_null().to_numpy())
    eq = keys[1:] == keys[:-1]
    dup = np.zeros(len(keys), dtype=bool)
    dup[1:] |= eq
    dup[:-1] |= eq
    return int(dup.sum())


def moments(values: np.ndarray) -> tuple[float, float, float]:
    v = values[~np.isnan(values)]
    return float(len(v)), float(v.mean()), float(v.var(ddof=1))


def day_groups(ts: pa.ChunkedArray, values: np.ndarray) -> list[tuple[float, float, float]]:
    """(n, mean, variance) per UTC day, centred in two passes for stability."""
    day = ts.cast(pa.int64()).to_numpy() // s.DAY_US
    keep = ~np.isnan(values)
    day, values = day[keep], values[keep]
    code = day - day.min()
    n = np.bincount(code).astype(np.float64)
    mean = np.bincount(code, weights=values) / n
    m2 = np.bincount(code, weights=(values - mean[code]) ** 2)
    return [(n[i], mean[i], m2[i] / (n[i] - 1)) for i in np.flatnonzero(n)]


def main() -> None:
    cur_path, ref_path, _ = s.args()
    t0 = time.perf_counter()
    schema = pq.read_schema(cur_path)
    cols = sorted(set(s.NOT_NULL) | set(s.RANGES) | set(s.TTEST) | {s.ANOVA, s.UNIQUE, "ts"})
    cur = pq.read_table(cur_path, columns=cols)
    ref = pq.read_table(ref_path, columns=sorted(set(s.TTEST) | {s.ANOVA}))
    failures = {"schema": schema_problems(schema)}
    for name in s.NOT_NULL:
        failures[f"not_null:{name}"] = missing(cur, name)
    for name, (lo, hi) in s.RANGES.items():
        failures[f"range:{name}"] = outside(floats(cur.column(name)), lo, hi)
    failures[f"unique:{s.UNIQUE}"] = duplicated_rows(cur.column(s.UNIQUE))
    tests = {}
    for name in s.TTEST:
        c, r = moments(floats(cur.column(name))), moments(floats(ref.column(name)))
        tests[f"ttest:{name}"] = s.welch(*c, *r)
    groups = day_groups(cur.column("ts"), floats(cur.column(s.ANOVA)))
    groups.append(moments(floats(ref.column(s.ANOVA))))
    tests[f"anova:{s.ANOVA}"] = s.anova(groups)
    s.emit("floor", time.perf_counter() - t0, failures, tests, rows=cur.num_rows)


if __name__ == "__main__":
    main()
