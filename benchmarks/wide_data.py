"""Seeded data of benchmarks/wide_bench.py: ``wide_<N>.parquet`` (100 columns) and
``wide_<M>.sqlite`` (a table ``wide`` of 500 columns), written once into the data directory.

Column ``cIII`` (peers/wide_suite.py): values 0..100, int64 when III is 2 mod 4, else float64 in
steps of 0.1 (few distinct values: the file stays small, 1 Mi-row row groups); NULLs at a rate
of 2% when III is 3 mod 20, else 0.1% x (III mod 3); 50 NaNs in float columns with III 0 mod 7;
30 values of -1 when III is 1 mod 10 and of 150 when 6 mod 10 (fewer below 3,000 rows). The
faults' positions are drawn from the column's own seed, so every size is reproducible.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import gen
import wide_suite as ws

SEED = 20241207
BLOCK = 1 << 20  # rows per generated block (and Parquet row group)


def _faults(col: str, n: int) -> dict[str, list[int]]:
    """Positions of the column's NaNs, -1s and 150s (a separate seed per column)."""
    import numpy as np

    i = int(col[1:])
    rng = np.random.default_rng([SEED, i, 0])
    k = min(30, n // 100)
    out = {"nan": [], "low": [], "high": []}
    if not ws.is_int(col) and i % 7 == 0:
        out["nan"] = rng.choice(n, min(50, n // 100), replace=False).tolist()
    if i % 10 == 1:
        out["low"] = rng.choice(n, k, replace=False).tolist()
    if i % 10 == 6:
        out["high"] = rng.choice(n, k, replace=False).tolist()
    return out


def column_block(col: str, lo: int, hi: int, faults: dict[str, list[int]]):  # noqa: ANN201
    """Rows lo..hi-1 of column ``col``: (numpy values, NULL mask)."""
    import numpy as np

    i = int(col[1:])
    rng = np.random.default_rng([SEED, i, 1 + lo // BLOCK])
    n = hi - lo
    if ws.is_int(col):
        values = rng.integers(0, 101, n)
    else:
        values = rng.integers(0, 1001, n) / 10
    rate = 0.02 if i % 20 == 3 else 0.001 * (i % 3)
    mask = rng.random(n) < rate
    for kind, value in (("nan", float("nan")), ("low", -1), ("high", 150)):
        where = [p - lo for p in faults[kind] if lo <= p < hi]
        if where:
            values[where] = value
    return values, mask


def ensure_parquet(data: Path, n: int, log: Callable[[str], None]) -> Path:
    """``wide_<N>.parquet``: the suite's 100 columns, generated when missing."""
    path = data / f"wide_{gen.tag_of(n)}.parquet"
    if path.exists():
        return path
    import pyarrow as pa
    import pyarrow.parquet as pq

    data.mkdir(parents=True, exist_ok=True)
    t0, cols = time.perf_counter(), ws.names()
    log(f"generating {path.name} ({n:,} rows, {len(cols)} columns) ...")
    faults = {c: _faults(c, n) for c in cols}
    schema = pa.schema([(c, pa.int64() if ws.is_int(c) else pa.float64()) for c in cols])
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, schema, compression="snappy") as writer:
        for lo in range(0, n, BLOCK):
            hi = min(n, lo + BLOCK)
            arrays = []
            for c in cols:
                values, mask = column_block(c, lo, hi, faults[c])
                arrays.append(pa.array(values, type=schema.field(c).type, mask=mask))
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=BLOCK)
    os.replace(tmp, path)
    log(f"  {path} {path.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - t0:.1f} s")
    return path


def ensure_sqlite(data: Path, n: int, log: Callable[[str], None]) -> Path:
    """``wide_<M>.sqlite``: table ``wide`` of the model's 500 columns (NaN is stored as NULL)."""
    path = data / f"wide_{gen.tag_of(n)}.sqlite"
    if path.exists():
        return path
    import numpy as np

    data.mkdir(parents=True, exist_ok=True)
    t0, cols = time.perf_counter(), ws.names(ws.MODEL_COLUMNS)
    log(f"generating {path.name} ({n:,} rows, {len(cols)} columns) ...")
    columns = []
    for c in cols:
        values, mask = column_block(c, 0, n, _faults(c, n))
        columns.append(np.where(mask, None, values.astype(object)).tolist())
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    types = ", ".join(f"{c} {'INTEGER' if ws.is_int(c) else 'REAL'}" for c in cols)
    con.execute(f"CREATE TABLE wide ({types})")
    marks = ", ".join("?" * len(cols))
    con.executemany(f"INSERT INTO wide VALUES ({marks})", zip(*columns, strict=True))
    con.commit()
    con.close()
    os.replace(tmp, path)
    log(f"  {path} {path.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - t0:.1f} s")
    return path
