"""datavigil as a peer: ``datavigil validate`` in its own process, numbers read back from the store.

    python benchmarks/peers/datavigil_peer.py DATA_DIR N      (DATAVIGIL_BENCH_MODE=file|sql)

In a temporary directory: the suite modules (suite_modules.py) in a schemas dir, DATAVIGIL_HOME,
and an SQLite results store (DATAVIGIL_RESULTS_URL). Set-up, not timed: ``db upgrade`` and the
reference snapshot (``snapshot capture`` of a suite over reference_N.parquet in the same dataset).
Timed: the one ``datavigil validate SUITE SUITE`` process, whole (wall, and peak RSS from
``os.wait4``); the harness uses these instead of this script's own process (``timed_process``).
The numbers come from ``check_results`` (failing_rows, statistic, p_value), not from datavigil's
output.

Modes: ``file`` is the suite as the rewritten engine will take it (one FileSource per Parquet
file, whole table, no partition); ``sql`` runs on today's engine, through SqlSource over DuckDB
(duckdb-engine, a ``read_parquet`` query), with the 8-group ANOVA as a second suite that groups
a UNION ALL of the days of current and the reference (GroupAnova).
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import suite as s
import suite_modules

ROOT = Path(__file__).resolve().parents[2]
SETUP_TIMEOUT = 3600


def datavigil(env: dict, *argv: str) -> tuple[int, float, float, str]:
    """Run ``datavigil ARGV`` from this tree; (exit code, wall s, peak RSS MiB, stderr tail)."""
    cmd = [
        sys.executable,
        "-c",
        "from datavigil.cli.main import main; raise SystemExit(main())",
        *argv,
    ]
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    return proc.returncode, wall, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def environment(tmp: Path) -> dict:
    (tmp / "home").mkdir()
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return dict(
        os.environ,
        PYTHONPATH=pythonpath,
        DATAVIGIL_HOME=str(tmp / "home"),
        DATAVIGIL_SCHEMAS_DIR=str(tmp / "schemas"),
        DATAVIGIL_RESULTS_URL=f"sqlite:///{tmp / 'results.db'}",
    )


class Failed(Exception):
    """A datavigil command that could not do its work (exit 2/3, or 1 where 0 was expected)."""


def step(env: dict, *argv: str, ok: tuple[int, ...] = (0,)) -> tuple[float, float]:
    code, wall, rss, tail = datavigil(env, *argv)
    if code not in ok:
        raise Failed(f"datavigil {' '.join(argv)}: exit {code}: {tail}")
    return wall, rss


def read_back(db: Path) -> tuple[dict, dict, float, list[str]]:
    """failing_rows / statistic / p_value of the runs, and datavigil's own
    read+validate time (finished_at - started_at, summed over the runs)."""
    con = sqlite3.connect(db)
    runs = con.execute(
        "SELECT run_id, (julianday(finished_at) - julianday(started_at)) * 86400 "
        "FROM validation_runs ORDER BY started_at"
    ).fetchall()
    rows = con.execute(  # the store is fresh: it holds only this measurement's runs
        "SELECT check_name, column_name, status, failing_rows, statistic, p_value, message "
        "FROM check_results"
    ).fetchall()
    tests_run = con.execute(
        "SELECT check_name, json_extract(details, '$.test') FROM check_results "
        "WHERE check_name LIKE 'anova%' OR check_name LIKE 'distribution.%'"
    ).fetchall()
    con.close()
    failures, tests, problems = suite_modules.translate(rows)
    notes = [f"{name} ran {test}" for name, test in tests_run]
    return failures, tests, sum(r[1] or 0.0 for r in runs), problems + notes


def reset_statement_stats() -> None:
    """pg_bench counts the rows datavigil's validate statements returned: it asks for
    pg_stat_statements to be reset here, after the set-up (db upgrade, snapshot capture)."""
    admin = os.environ.get("DATAVIGIL_BENCH_PG_ADMIN")
    if admin:
        import psycopg

        with psycopg.connect(admin, autocommit=True) as con:
            con.execute("SELECT pg_stat_statements_reset()")


def measure(tmp: Path, cur: str, ref: str, mode: str) -> dict:
    env = environment(tmp)
    names = suite_modules.write(tmp / "schemas", cur, ref, mode)
    step(env, "db", "upgrade")
    first, last = suite_modules.REFERENCE_WINDOW
    step(env, "snapshot", "capture", names.reference, "--from", first, "--to", last)
    reset_statement_stats()
    # one process validates every suite of the job in turn (`validate A B`): imports paid once
    wall, rss = step(env, "validate", *names.validated, "--date", suite_modules.RUN_DATE, ok=(0, 1))
    failures, tests, inner, problems = read_back(tmp / "results.db")
    missing = [k for k in s.check_names() if k not in failures]
    missing += [k for k in s.test_names() if k not in tests]
    if missing:
        raise Failed(f"no result for {', '.join(missing)} in check_results; {'; '.join(problems)}")
    got = {"failures": failures, "tests": tests, "inner": inner, "wall": wall, "rss": rss}
    return got | {"notes": problems}


def main() -> None:
    cur, ref, _ = s.args()
    mode = os.environ.get("DATAVIGIL_BENCH_MODE", "file")
    with tempfile.TemporaryDirectory(prefix="datavigil-bench-") as tmp:
        try:
            got = measure(Path(tmp), cur, ref, mode)
        except Failed as exc:
            print("RESULT " + json.dumps({"tool": f"datavigil ({mode})", "error": str(exc)}))
            return
    timed = {"wall_s": round(got["wall"], 4), "maxrss_mib": round(got["rss"], 1)}
    s.emit(
        f"datavigil ({mode})",
        got["inner"],
        got["failures"],
        got["tests"],
        timed_process=timed,
        notes=got["notes"],
    )


if __name__ == "__main__":
    main()
