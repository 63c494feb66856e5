"""datavigil as a peer: ``datavigil validate`` in its own process, numbers read back from the store.

    python benchmarks/peers/datavigil_peer.py DATA_DIR N      (DATAVIGIL_BENCH_MODE=file|sql)

In a temporary directory: the suite modules (suite_modules.py) in a schemas dir, DATAVIGIL_HOME,
and an SQLite results store (DATAVIGIL_RESULTS_URL). Set-up, not timed: ``db upgrade`` and the
reference snapshot (``snapshot capture`` of a suite over reference_N.parquet in the same dataset).
Timed: the one ``datavigil validate SUITE SUITE`` process, whole (wall, and peak RSS from
``os.wait4``); the harness uses these instead of this script's own process (``timed_process``).
The numbers come from ``check_results`` (failing_rows, statistic, p_value), not from datavigil's
output. Inside the validate process a SQLAlchemy ``before_cursor_execute`` hook (installed before
datavigil is imported) records every statement sent to the source (not to the results store):
``statements`` in the RESULT line, and of them ``scans``, the ones that read the data (name a
data file or table, and are not a ``LIMIT 0`` probe). Every datavigil process reads compiled
modules from one cache (``PYTHONPYCACHEPREFIX``, filled by an untimed warm-up;
``PYTHONDONTWRITEBYTECODE`` removed): an installed package has its ``.pyc`` files, and a process
compiling datavigil from source would pay about 0.4 s more (startup_bench.py does the same).

Modes: ``file`` is the suite as the rewritten engine will take it (one FileSource per Parquet
file, whole table, no partition); ``sql`` runs on today's engine, through SqlSource over DuckDB
(duckdb-engine, a ``read_parquet`` query), with the 8-group ANOVA as a second suite that groups
a UNION ALL of the days of current and the reference (GroupAnova).
"""

from __future__ import annotations

import json
import os
import re
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


# datavigil's CLI with every statement sent through SQLAlchemy recorded (url and text) into the
# file DATAVIGIL_BENCH_STATEMENTS names, when set; nothing else changes in the process
COUNTED = """
import json, os, sys, time
import sqlalchemy as sa
seen = []
def before(conn, cursor, statement, parameters, context, executemany):
    text = statement if len(statement) < 3000 else statement[:2000] + " ... " + statement[-900:]
    seen.append({"url": conn.engine.url.render_as_string(), "sql": text, "t0": time.perf_counter(),
                 "params": repr(parameters)[:500] if parameters else "", "at": time.time()})
def after(conn, cursor, statement, parameters, context, executemany):
    seen[-1]["exec_s"] = time.perf_counter() - seen[-1].pop("t0")
    seen[-1]["end_at"] = time.time()
sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)
from datavigil.cli import main as cli
try:
    code = cli.main(sys.argv[1:])
finally:
    if os.environ.get("DATAVIGIL_BENCH_STATEMENTS"):
        with open(os.environ["DATAVIGIL_BENCH_STATEMENTS"], "w") as fh:
            json.dump(seen, fh)
getattr(cli, "leave", sys.exit)(code)  # as the `datavigil` command ends (ADR 0150)
"""
# what datavigil may import, compiled into the cache before the timed process (not timed)
WARM = """
import importlib, pkgutil, datavigil
for mod in ("pandas", "pandera.pandas", "scipy.stats", "scipy.special", "duckdb",
            "duckdb_engine", "pyarrow.parquet", "pyarrow.dataset", "psycopg", "sqlalchemy.orm",
            "alembic.command", "numpy"):
    try:
        importlib.import_module(mod)
    except Exception:
        pass
for info in pkgutil.walk_packages(datavigil.__path__, "datavigil."):
    skip = ("datavigil.airflow", "datavigil.ui", "datavigil.demo")
    if not info.name.startswith(skip) and not info.name.endswith("__main__"):
        try:
            importlib.import_module(info.name)
        except Exception:
            pass
"""
PYCACHE = Path(os.environ.get("DATAVIGIL_BENCH_PYCACHE", ROOT / ".datavigil" / "bench-pycache"))


STARTED = [0.0]  # time.time() when the last datavigil process was started
CPU = [0.0]  # its CPU seconds (user + system, every thread)


def datavigil(env: dict, *argv: str) -> tuple[int, float, float, str]:
    """Run ``datavigil ARGV`` from this tree; (exit code, wall s, peak RSS MiB, stderr tail)."""
    cmd = [sys.executable, "-c", COUNTED, *argv]
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        STARTED[0] = time.time()  # the split of the wall time (statement_counts)
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    CPU[0] = usage.ru_utime + usage.ru_stime  # the timed process's CPU seconds (all threads)
    return proc.returncode, wall, usage.ru_maxrss / 1024, lines[-1] if lines else ""


def environment(tmp: Path) -> dict:
    """The temporary project's settings; compiled modules read from (and written to) PYCACHE."""
    (tmp / "home").mkdir()
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(
        os.environ,
        PYTHONPATH=pythonpath,
        DATAVIGIL_HOME=str(tmp / "home"),
        DATAVIGIL_SCHEMAS_DIR=str(tmp / "schemas"),
        DATAVIGIL_RESULTS_URL=f"sqlite:///{tmp / 'results.db'}",
        PYTHONPYCACHEPREFIX=str(PYCACHE),
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # every process reads compiled modules, as installed
    return env


def warm_up(env: dict) -> None:
    """Compile what datavigil may import into PYCACHE (not timed; later runs only read it)."""
    code = subprocess.run([sys.executable, "-c", WARM], env=env, cwd=ROOT, capture_output=True,
                          timeout=SETUP_TIMEOUT).returncode  # fmt: skip
    if code != 0:
        raise Failed(f"the warm-up import of datavigil failed (exit {code})")


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


LIMIT_0 = re.compile(r"\blimit\s+0\b", re.IGNORECASE)
SAMPLE = re.compile(r"\blimit\s+(?!0\b)\S", re.IGNORECASE)  # a number or a parameter
# the one pass's shift probes (`(SELECT ... LIMIT 1) AS k0`, ADR 0140) inside a scan: not samples
SHIFT_PROBE = re.compile(r"\blimit\s+\S+\)\s+AS\s+k\d+", re.IGNORECASE)
CATALOGUE = re.compile(r"^\s*(describe|show|pragma|set)\b|information_schema|pg_catalog", re.I)


def statement_counts(log: Path, env: dict, data: tuple[str, ...]) -> dict[str, int]:
    """What the validate process sent to its sources (every engine but the results store's):
    ``statements``; ``scans``, those that read the data (name one of ``data``: a file path or a
    table, matched as a word; not a ``LIMIT 0`` probe nor a catalogue query); ``samples``, the
    scans with a LIMIT (failure samples); the seconds their executions took (``scans_s``,
    ``samples_s``; from before to after the cursor's execute: DuckDB runs the query there)."""
    sent = [r for r in json.loads(log.read_text()) if r["url"] != env["DATAVIGIL_RESULTS_URL"]]
    pattern = re.compile("|".join(rf"(?<!\w){re.escape(d)}(?!\w)" for d in data))
    scans = [r for r in sent if pattern.search(r["sql"] + " " + r["params"])]
    scans = [r for r in scans if not LIMIT_0.search(r["sql"]) and not CATALOGUE.search(r["sql"])]
    samples = [r for r in scans if SAMPLE.search(SHIFT_PROBE.sub("", r["sql"]))]
    return split(sent) | {"statements": len(sent), "scans": len(scans), "samples": len(samples),
            "scans_s": round(sum(r.get("exec_s", 0.0) for r in scans), 3),
            "samples_s": round(sum(r.get("exec_s", 0.0) for r in samples), 3)}  # fmt: skip


def split(sent: list[dict]) -> dict[str, float]:
    """Seconds from the process's start to its first statement to a source, and to the end of
    its last one (the rest of the wall time is after it: judging, writes, exit)."""
    timed = [r for r in sent if "end_at" in r]
    if not timed:
        return {}
    first, last = timed[0]["at"] - STARTED[0], timed[-1]["end_at"] - STARTED[0]
    return {"to_first_query_s": round(first, 3), "to_last_query_end_s": round(last, 3)}


def data_names(mode: str, cur: str, ref: str) -> tuple[str, ...]:
    return ("bench", "bench_reference") if mode == "pg" else (cur, ref, "src")


def measure(tmp: Path, cur: str, ref: str, mode: str) -> dict:
    env = environment(tmp)
    names = suite_modules.write(tmp / "schemas", cur, ref, mode)
    step(env, "db", "upgrade")
    first, last = suite_modules.REFERENCE_WINDOW
    step(env, "snapshot", "capture", names.reference, "--from", first, "--to", last)
    warm_up(env)
    reset_statement_stats()
    # one process validates every suite of the job in turn (`validate A B`): imports paid once
    # DATAVIGIL_BENCH_LOG: keep the statements (url, text, parameters, seconds) in that file
    log = Path(os.environ.get("DATAVIGIL_BENCH_LOG") or tmp / "statements.json")
    counted = env | {"DATAVIGIL_BENCH_STATEMENTS": str(log)}
    date = ("--date", suite_modules.RUN_DATE)
    wall, rss = step(counted, "validate", *names.validated, *date, ok=(0, 1))
    failures, tests, inner, problems = read_back(tmp / "results.db")
    missing = [k for k in s.check_names() if k not in failures]
    missing += [k for k in s.test_names() if k not in tests]
    if missing:
        raise Failed(f"no result for {', '.join(missing)} in check_results; {'; '.join(problems)}")
    got = {"failures": failures, "tests": tests, "inner": inner, "wall": wall, "rss": rss}
    got["cpu"] = CPU[0]
    return got | {"notes": problems, "sent": statement_counts(log, env, data_names(mode, cur, ref))}


def main() -> None:
    cur, ref, _ = s.args()
    mode = os.environ.get("DATAVIGIL_BENCH_MODE", "file")
    with tempfile.TemporaryDirectory(prefix="datavigil-bench-") as tmp:
        try:
            got = measure(Path(tmp), cur, ref, mode)
        except Failed as exc:
            print("RESULT " + json.dumps({"tool": f"datavigil ({mode})", "error": str(exc)}))
            return
    timed = {"wall_s": round(got["wall"], 4), "maxrss_mib": round(got["rss"], 1),
             "cpu_s": round(got["cpu"], 4)}  # fmt: skip
    s.emit(
        f"datavigil ({mode})",
        got["inner"],
        got["failures"],
        got["tests"],
        timed_process=timed,
        notes=got["notes"],
        **got["sent"],
    )


if __name__ == "__main__":
    main()
