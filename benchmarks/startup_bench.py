"""Start-up of `datavigil validate` against the floor's own imports, in the same rounds (ADR 0138).

    python benchmarks/startup_bench.py [--rounds 5] [--out benchmarks/results/startup]

Every process runs in the temporary project (so the current directory is not on its path),
reading compiled modules from one cache (``PYTHONPYCACHEPREFIX``, filled by an untimed first
run of each command; ``PYTHONDONTWRITEBYTECODE`` removed): an installed package has its ``.pyc``
files, and a process compiling datavigil from source pays about 0.4 s more on this machine.

A small SQLite warehouse (one table, 20 rows over two days) and two suites on it, written to a
temporary project whose results store is migrated beforehand (not timed):
- ``plain``: NullRate, Range, RowCount, Unique, no pandera model: the target;
- ``model``: the same checks and a pandera model (pandas and pandera are this suite's to pay).

Each round runs, one after the other, fresh processes of: the floor's imports (``numpy``,
``pyarrow``, ``pyarrow.parquet``, ``scipy.special``: what benchmarks/peers/floor.py and
peers/suite.py import) and ``datavigil validate`` of each suite. Measured per process:
- **to first query s**: from just before the process is started to the first statement sent to
  the source (a SQLAlchemy ``before_cursor_execute`` hook installed before datavigil is
  imported); for the floor, to the end of its imports;
- **CPU s to it**: the process's own CPU time at that point (``time.process_time()``: what
  the start costs, less disturbed by other processes on a loaded machine);
- **whole s**: the whole process, to its end as the parent sees it (with the interpreter's
  exit; datavigil ends as the ``datavigil`` command does, ``datavigil.cli.main.leave``);
  **imports s**: the sum of ``-X importtime``'s self times in a
  second process of the same command (the flag slows a process down: not in the other columns).
Ratios are per round (datavigil over the floor in the same round); the median is reported.
``--baseline DIR`` adds the plain suite on another commit's source tree in the same rounds
(``mkdir DIR && git archive a117c9a | tar -x -C DIR``: before and after, side by side).
Target: ``plain``'s start-up no longer than the floor's imports (ratio <= 1). Reported, not
asserted (exit 1 only with --strict and a miss). The imports themselves are checked by
tests/test_startup_imports.py.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = """
import json, time
import numpy, pyarrow, pyarrow.parquet, scipy.special
now, cpu = time.time(), time.process_time()
print("STARTUP " + json.dumps({"code": 0, "source": now, "source_cpu": cpu}))
"""
VALIDATE = """
import json, sys, time
import sqlalchemy as sa
seen = {}
def first(conn, cursor, statement, parameters, context, executemany):
    now = time.time()
    seen.setdefault("any", now)
    if "warehouse" in str(conn.engine.url) and "source" not in seen:
        seen.update(source=now, source_cpu=time.process_time())
sa.event.listen(sa.engine.Engine, "before_cursor_execute", first)
from datavigil.cli import main as cli
code = cli.main(sys.argv[1:])
print("STARTUP " + json.dumps({"code": code, **seen}), flush=True)
getattr(cli, "leave", sys.exit)(code)  # as the `datavigil` command ends (ADR 0150)
"""
CHECKS = "[NullRate('amount'), Range('amount', min=0), RowCount(), Unique('id')]"
SUITE = """
from datavigil import Partition, SqlSource, Suite
from datavigil.checks import NullRate, Range, RowCount, Unique
{model}
suite = Suite(name="{name}", dataset="shop.orders", partition=Partition("ts"),
              source=SqlSource(table="orders", url="sqlite:///{db}"), checks={checks}{extra})
"""
MODEL = """
import pandera.pandas as pa
from pandera.typing import Series

class Orders(pa.DataFrameModel):
    id: Series[int] = pa.Field(ge=0)
    amount: Series[float] = pa.Field(ge=0)
"""


def project(root: Path) -> dict[str, str]:
    """The warehouse, the two suites and a migrated results store; the environment to use them."""
    db = root / "warehouse.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE orders (id INTEGER, amount FLOAT, ts TIMESTAMP)")
        rows = [(i, float(i), f"2024-05-0{1 + i % 2} 12:00:00.000000") for i in range(20)]
        conn.executemany("INSERT INTO orders VALUES (?, ?, ?)", rows)
    schemas = root / "schemas"
    schemas.mkdir()
    for name, model, extra in (("plain", "", ""), ("model", MODEL, ", model=Orders")):
        text = SUITE.format(name=name, model=model, db=db, checks=CHECKS, extra=extra)
        (schemas / f"{name}.py").write_text(text, encoding="utf-8")
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    results_url = f"sqlite:///{root / 'results.db'}"
    env = dict(os.environ, DATAVIGIL_HOME=str(root), DATAVIGIL_SCHEMAS_DIR=str(schemas),
               DATAVIGIL_RESULTS_URL=results_url, PYTHONPATH=pythonpath,
               PYTHONPYCACHEPREFIX=str(root / "pycache"))  # fmt: skip
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every process reads compiled modules, as installed
    upgrade = [sys.executable, "-m", "datavigil.cli", "db", "upgrade"]
    subprocess.run(upgrade, env=env, check=True, capture_output=True, timeout=300)
    return env


def one(argv: list[str], env: dict[str, str]) -> dict[str, float]:
    """One process: seconds to its first source query (floor: to its imports) and in all."""
    t0 = time.time()
    done = subprocess.run(argv, env=env, cwd=env["DATAVIGIL_HOME"], capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    end = time.time()
    found = [ln for ln in done.stdout.splitlines() if ln.startswith("STARTUP ")]
    if done.returncode != 0 or not found:
        raise SystemExit(f"{' '.join(argv[:4])} failed:\n{done.stderr[-3000:]}")
    seen = json.loads(found[-1].removeprefix("STARTUP "))
    return {
        "first_query_s": seen["source"] - t0,
        "first_query_cpu_s": seen["source_cpu"],
        "whole_s": end - t0,
    }


def import_seconds(argv: list[str], env: dict[str, str]) -> float:
    """The sum of ``-X importtime``'s self times (seconds) of the same command."""
    done = subprocess.run([argv[0], "-X", "importtime", *argv[1:]], env=env,
                          cwd=env["DATAVIGIL_HOME"], capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    selfs = re.findall(r"^import time:\s+(\d+) \|", done.stderr, flags=re.MULTILINE)
    return sum(int(us) for us in selfs) / 1e6


def commands(env: dict[str, str], baseline: str | None) -> dict[str, tuple[list[str], dict]]:
    """Each process measured in a round: its command line and environment."""
    py = sys.executable
    date = ["--date", "2024-05-01"]
    found = {
        "floor imports": ([py, "-c", FLOOR], env),
        "datavigil plain": ([py, "-c", VALIDATE, "validate", "plain", *date], env),
        "datavigil model": ([py, "-c", VALIDATE, "validate", "model", *date], env),
    }
    if baseline:  # the same suite on another commit's source tree (git archive COMMIT | tar -x)
        found["datavigil plain, baseline"] = (found["datavigil plain"][0],
                                              env | {"PYTHONPATH": baseline})  # fmt: skip
    return found


def measure(rounds: int, env: dict[str, str], baseline: str | None) -> dict[str, list[dict]]:
    procs = commands(env, baseline)
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in procs}
    for argv, penv in procs.values():  # not timed: compiles every module into the cache
        one(argv, penv)
    for r in range(rounds):
        for name, (argv, penv) in procs.items():
            got = one(argv, penv) | {"imports_s": import_seconds(argv, penv)}
            runs[name].append(got)
            print(f"round {r + 1}/{rounds} {name}: to first query {got['first_query_s']:.3f} s"
                  f" ({got['first_query_cpu_s']:.3f} s CPU), whole {got['whole_s']:.3f} s,"
                  f" imports {got['imports_s']:.3f} s",
                  file=sys.stderr, flush=True)  # fmt: skip
    return runs


def _ratios(got: list[dict], floor: list[dict], key: str) -> list[float]:
    return [g[key] / f[key] for g, f in zip(got, floor, strict=True)]


def table(runs: dict[str, list[dict[str, float]]]) -> tuple[str, dict[str, float]]:
    """The markdown table and the plain suite's median per-round ratios to the floor (wall, CPU)."""
    floor = runs["floor imports"]
    lines = [
        "| process | to first query s | CPU s to it | whole s | imports s "
        "| ratio to floor, per round (wall) | median ratio: wall | CPU |",
        "|---|---|---|---|---|---|---|---|",
    ]
    target: dict[str, float] = {}
    for name, got in runs.items():
        wall = _ratios(got, floor, "first_query_s")
        cpu = statistics.median(_ratios(got, floor, "first_query_cpu_s"))
        med = {k: statistics.median(g[k] for g in got) for k in got[0]}
        keys = ("first_query_s", "first_query_cpu_s", "whole_s", "imports_s")
        cells = [f"{med[k]:.3f}" for k in keys] + [", ".join(f"{x:.2f}" for x in wall)]
        cells += [f"{statistics.median(wall):.2f}", f"{cpu:.2f}"]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
        if name == "datavigil plain":
            target = {"wall": statistics.median(wall), "cpu": cpu}
    return "\n".join(lines), target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "startup"))
    parser.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    parser.add_argument("--baseline", help="also time the plain suite on this source tree")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="datavigil-startup-") as tmp:
        runs = measure(args.rounds, project(Path(tmp)), args.baseline)
    text, ratio = table(runs)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    verdict = "met" if ratio["wall"] <= 1.0 else f"missed by {ratio['wall'] - 1:.0%}"
    note = (f"\n\nTarget (plain suite's start-up <= the floor's imports): {verdict}, median ratio "
            f"{ratio['wall']:.2f} (CPU time: {ratio['cpu']:.2f}). {args.rounds} rounds; load "
            f"average {load}; `python benchmarks/startup_bench.py "
            f"--rounds {args.rounds}`.")  # fmt: skip
    print(text + note)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out + ".json").write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(text + note + "\n", encoding="utf-8")
    return 1 if args.strict and ratio["wall"] > 1.0 else 0


if __name__ == "__main__":
    raise SystemExit(main())
