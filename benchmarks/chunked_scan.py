"""Memory and speed of one partition scan, by partition size.

The aggregate checks (row count, NULL rate, ranges) keep counts only, so peak traced memory
should stay flat as the partition grows, while loading the partition whole (what a
`pd.read_sql` + validate approach does) grows with it. Figures are ratios within one run
(the machine is shared). Usage: python benchmarks/chunked_scan.py [--rows 250000,1000000]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from checks import NullRate, Range, RowCount
from datavigil import Partition, SqlSource, Suite
from datavigil.runner import evaluate
from datavigil.window import Window

DAY = date(2024, 5, 1)


def make_table(url: str, rows: int) -> None:
    rng = np.random.default_rng(7)
    engine = sa.create_engine(url)
    start = datetime(2024, 5, 1)
    step = 86_400 / rows
    for lo in range(0, rows, 200_000):
        n = min(200_000, rows - lo)
        ts = [start + timedelta(seconds=(lo + i) * step) for i in range(n)]
        x = rng.normal(100, 15, n)
        x[rng.random(n) < 0.01] = np.nan
        pd.DataFrame({"ts": ts, "x": x, "y": rng.integers(0, 1000, n)}).to_sql(
            "events", engine, if_exists="append", index=False
        )
    engine.dispose()


def suite_for(url: str) -> Suite:
    return Suite(
        name="bench",
        source=SqlSource(table="events", url=url),
        partition=Partition(column="ts"),
        chunk_size=50_000,
        checks=[
            RowCount(min_rows=1),
            NullRate("x", max_fraction=0.05),
            Range("x", min=0, max=1000),
            Range("y", min=0, max=999),
        ],
    )


def measure(fn) -> tuple[float, float]:
    """(seconds, peak traced MiB): timed without tracemalloc (it slows allocation several
    fold), then run again under tracemalloc for the memory peak."""
    gc.collect()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return elapsed, peak


def bench(rows: int, workdir: Path) -> dict[str, float]:
    url = f"sqlite:///{workdir / f'events_{rows}.db'}"
    make_table(url, rows)
    suite, window = suite_for(url), Window.for_day(DAY, "UTC")
    results = evaluate(suite, window)[0]
    assert all(r.status.value == "pass" for r in results), [r.outcome.message for r in results]
    scan_s, scan_mb = measure(lambda: evaluate(suite, window))
    engine = sa.create_engine(url)
    whole_s, whole_mb = measure(lambda: pd.read_sql_table("events", engine))
    engine.dispose()
    return {
        "rows": rows,
        "scan_s": scan_s,
        "scan_peak_mb": scan_mb,
        "rows_per_s": rows / scan_s,
        "whole_load_s": whole_s,
        "whole_peak_mb": whole_mb,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", default="250000,1000000")
    args = parser.parse_args()
    sizes = [int(x) for x in args.rows.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        table = [bench(n, Path(tmp)) for n in sizes]
    print(
        f"{'rows':>10} {'scan s':>8} {'rows/s':>10} {'scan peak MiB':>14} "
        f"{'whole-load peak MiB':>20}"
    )
    for r in table:
        print(
            f"{r['rows']:>10} {r['scan_s']:>8.2f} {r['rows_per_s']:>10.0f} "
            f"{r['scan_peak_mb']:>14.1f} {r['whole_peak_mb']:>20.1f}"
        )
    first, last = table[0], table[-1]
    print(
        f"size x{last['rows'] / first['rows']:.0f}: scan peak x"
        f"{last['scan_peak_mb'] / first['scan_peak_mb']:.2f}, whole-load peak x"
        f"{last['whole_peak_mb'] / first['whole_peak_mb']:.2f}"
    )


if __name__ == "__main__":
    main()
