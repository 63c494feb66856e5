"""`make bench`: every benchmark, one after the other, with progress; see benchmarks/README.md.

    python benchmarks/run.py            # settings from the environment (the Makefile passes them)

BENCH_SIZES (1e6,5e6; add 2e7 for 20M rows), BENCH_ROUNDS (3), BENCH_TOOLS
(floor,duckdb,pandera,datavigil), BENCH_PG_ROWS (5e6; 2e5 is quick), BENCH_SPARK_ROWS (1e6;
needs a Spark Thrift server at BENCH_SPARK_URL, hive://127.0.0.1:10000/default), BENCH_ONLY (a
comma list of selfcheck, engine, pg, wide, spark, dag_parse, startup, backfill, distribution,
distribution_sim, targets), BENCH_WIDE_ROWS (1e6), BENCH_DATA (the data directory of engine, pg
and wide; default .datavigil/bench). The backfill bench's output is also saved to
benchmarks/results/backfill.txt; the last step, targets, reads every results file
(benchmarks/targets.py). Exit 0 only when every step exited 0.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent


def steps() -> dict[str, list[str]]:
    env = os.environ.get
    return {
        "selfcheck": ["selfcheck.py"],
        "engine": [
            "engine_bench.py",
            "--sizes",
            env("BENCH_SIZES", "1e6,5e6"),
            "--rounds",
            env("BENCH_ROUNDS", "3"),
            "--tools",
            env("BENCH_TOOLS", "floor,duckdb,pandera,datavigil"),
        ],
        "pg": [
            "pg_bench.py",
            "--rows",
            env("BENCH_PG_ROWS", "5e6"),
            "--rounds",
            env("BENCH_ROUNDS", "3"),
        ],
        "wide": [
            "wide_bench.py",
            "--rows",
            env("BENCH_WIDE_ROWS", "1e6"),
            "--rounds",
            env("BENCH_ROUNDS", "3"),
        ],
        "spark": [
            "spark_bench.py",
            "--rows",
            env("BENCH_SPARK_ROWS", "1e6"),
            "--rounds",
            env("BENCH_ROUNDS", "3"),
            "--url",
            env("BENCH_SPARK_URL", "hive://127.0.0.1:10000/default"),
        ],
        "dag_parse": ["dag_parse_bench.py"],
        "startup": ["startup_bench.py", "--rounds", env("BENCH_ROUNDS", "3")],
        "backfill": ["backfill_bench.py"],
        "distribution": ["distribution_bench.py"],
        "distribution_sim": ["distribution_sim.py"],
        "targets": ["targets.py"],  # last: reads what the steps before wrote
    }


SAVED = {"backfill": "backfill.txt"}  # steps that write no results file: their output is kept


def call(name: str, argv: list[str]) -> int:
    """Run one step; the output of a SAVED step also goes to benchmarks/results/ (replaced only
    when the step ran to its end: exit 0, or 1 for a missed target)."""
    cmd = [sys.executable, str(HERE / argv[0]), *argv[1:]]
    if name not in SAVED:
        return subprocess.call(cmd)
    path = HERE / "results" / SAVED[name]
    tmp = path.with_suffix(".tmp")
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True) as proc, open(tmp, "w") as fh:
        for line in proc.stdout or []:
            print(line, end="", flush=True)
            fh.write(line)
    if proc.returncode in (0, 1):
        tmp.replace(path)
    else:
        tmp.unlink()
    return proc.returncode


DATA_STEPS = ("engine", "pg", "wide")  # take --data DIR (BENCH_DATA)


def main() -> int:
    only = [s for s in os.environ.get("BENCH_ONLY", "").split(",") if s]
    status: dict[str, int] = {}
    for name, argv in steps().items():
        if only and name not in only:
            continue
        if name in DATA_STEPS and os.environ.get("BENCH_DATA"):
            argv = [*argv, "--data", os.environ["BENCH_DATA"]]
        print(f"\n== {name}: {' '.join(argv)}", flush=True)
        t0 = time.perf_counter()
        status[name] = call(name, argv)
        print(f"== {name}: exit {status[name]} after {time.perf_counter() - t0:.0f} s", flush=True)
    print("\n" + ", ".join(f"{k}: {'ok' if v == 0 else f'exit {v}'}" for k, v in status.items()))
    return 0 if all(v == 0 for v in status.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
