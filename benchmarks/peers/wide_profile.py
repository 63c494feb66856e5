"""Where the time of the wide suite's ``datavigil validate`` goes (issue 21, docs/adr/0149).

    python benchmarks/peers/wide_profile.py [--rows 1e6] [--data DIR]

The project is set up as wide_bench.py sets it up (a temporary directory, ``db upgrade`` not
timed; compiled modules from the bench's cache). Then one ``datavigil validate wide`` process
with ``-X importtime`` and timers around its phases: loading the suite, building and compiling the
statements, their execution in DuckDB (from before to after the cursor's execute), judging the
checks, the results store's writes, the report, and the rest (process start, start-up imports,
argument parsing, opening the scan); each with the imports it triggers, whose sum over the
process (``-X importtime``'s own times) is printed below the table.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

import datavigil_peer as dv  # noqa: E402
import gen  # noqa: E402
import wide_data  # noqa: E402
import wide_suite as ws  # noqa: E402

# the validate process: the phases' wall seconds as JSON on the last line of stdout
TIMED = """
import functools, json, sys, time
T0 = time.perf_counter()
spent = {}
import sqlalchemy as sa
def before(conn, cursor, statement, parameters, context, executemany):
    spent["_t"] = time.perf_counter()
def after(conn, cursor, statement, parameters, context, executemany):
    key = "execute" if conn.dialect.name == "duckdb" else "store_execute"
    spent[key] = spent.get(key, 0.0) + time.perf_counter() - spent.pop("_t")
sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)
from datavigil.cli.main import main
import datavigil.api as api, datavigil.api.report as report, datavigil.engine.backends as be
import datavigil.engine.plan as plan, datavigil.engine.row_queries as rq, datavigil.store as st
def timed(owner, name, key):
    f = getattr(owner, name)
    @functools.wraps(f)
    def g(*a, **k):
        t = time.perf_counter()
        try:
            return f(*a, **k)
        finally:
            spent[key] = spent.get(key, 0.0) + time.perf_counter() - t
    setattr(owner, name, g)
timed(api, "load_suite", "suite")
timed(plan, "_scalar_query", "statements")
timed(rq, "samples", "samples")
timed(be.Ahead, "judge", "judging")
timed(st.Store, "save", "store")
timed(report.ValidationReport, "text", "report")
code = main(sys.argv[1:])
spent["total"] = time.perf_counter() - T0
print(json.dumps(spent))
"""


def importtime(stderr: str) -> float:
    """The sum of ``-X importtime``'s own (self) microseconds, in seconds."""
    own = re.findall(r"^import time:\s+(\d+) \|", stderr, re.MULTILINE)
    return sum(int(x) for x in own) / 1e6


def split(spent: dict, wall: float) -> list[tuple[str, float]]:
    """The phases (wall seconds, each with the imports it triggers), the rest last."""
    execute, samples = spent.get("execute", 0.0), spent.get("samples", 0.0)
    rows = [
        ("suite load", spent.get("suite", 0.0)),
        ("statements: build + compile", spent.get("statements", 0.0) + samples - execute),
        ("statements: execution in DuckDB", execute),
        ("judging", spent.get("judging", 0.0) - samples),  # the samples' statement runs in it
        ("results store writes", spent.get("store", 0.0)),
        ("report", spent.get("report", 0.0)),
    ]
    rest = ("rest: start-up imports, arguments, opening the scan", wall - sum(v for _, v in rows))
    return [*rows, rest]


def profile(path: Path) -> tuple[list[tuple[str, float]], float, float]:
    with tempfile.TemporaryDirectory(prefix="datavigil-wide-profile-") as name:
        tmp = Path(name)
        env = dv.environment(tmp)
        (tmp / "schemas").mkdir()
        source = f"FileSource(path={str(path)!r})"
        (tmp / "schemas" / "wide.py").write_text(ws.suite_module(source), encoding="utf-8")
        dv.step(env, "db", "upgrade")
        cmd = [sys.executable, "-X", "importtime", "-c", TIMED, "validate", "wide"]
        t0 = time.perf_counter()
        done = subprocess.run([*cmd, "--date", "2024-01-14"], env=env, cwd=dv.ROOT,
                              capture_output=True, text=True, check=False)  # fmt: skip
        wall = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"datavigil validate: exit {done.returncode}: {done.stderr[-500:]}")
    spent = json.loads(done.stdout.strip().splitlines()[-1])
    return split(spent, wall), wall, importtime(done.stderr)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1e6")
    ap.add_argument("--data", type=Path, default=gen.DEFAULT_DATA)
    args = ap.parse_args(argv)
    path = wide_data.ensure_parquet(args.data, gen.parse_n(args.rows), print)
    rows, wall, imports = profile(path)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"| phase of `datavigil validate wide` ({gen.parse_n(args.rows):,} rows) | s | share |")
    print("|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.2f} | {seconds / wall:.0%} |")
    print(f"| whole process | {wall:.2f} | 100% |\n")
    print(
        f"Of it imports (-X importtime, own times, in every phase): {imports:.2f} s; "
        f"load average {load}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
