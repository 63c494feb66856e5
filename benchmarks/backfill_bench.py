"""A year of history in one process: `datavigil validate flights --from D1 --to D2` against
validating one day, whole processes side by side (docs/adr/0131).

    python benchmarks/backfill_bench.py [--days 365] [--runs 3] [--day 2013-06-12]

The demo's flights suite over its warehouse (NYC flights 2013: 365 days), built once into
``.datavigil/bench/backfill/`` with a reference snapshot captured (January, as in the demo). The
one-day process is timed ``--runs`` times before the backfill and ``--runs`` times after it
(median of all: the machine's load drifts); the backfill once, into a fresh results store.
Printed: both times, the backfill's time per partition and its ratio to one day (target: at
most 10x for 365 days; reported, exit 1 only with --strict), and where the backfill's time goes
(the source's statements, from the backfill's and the runs' own log lines: the grouped
statements of every day's metrics, then what each run still reads itself, docs/adr/0146), and
the same ratio in CPU seconds (user + system of each process: steadier than wall time on a
shared machine, docs/adr/0160).
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOME = ROOT / ".datavigil" / "bench" / "backfill"
FIRST = date(2013, 1, 1)
TARGET = 10.0


def env(results: Path) -> dict[str, str]:
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return dict(
        os.environ,
        DATAVIGIL_HOME=str(HOME),
        DATAVIGIL_SCHEMAS_DIR=str(ROOT / "schemas"),
        DATAVIGIL_RESULTS_URL=f"sqlite:///{results}",
        PYTHONPATH=pythonpath,
    )


CPU: dict[str, list[float]] = {}  # per label, the CPU seconds (user + system) of each process


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def datavigil(results: Path, *argv: str, label: str = "") -> tuple[float, str]:
    """Seconds of one whole `datavigil` process, and its stderr (the runs' log lines); its CPU
    seconds go to ``CPU[label]`` (on a shared machine, CPU moves less with the load than wall
    time: docs/adr/0160)."""
    cmd = [sys.executable, "-m", "datavigil.cli", *argv]
    t0, c0 = time.perf_counter(), children_cpu()
    out = subprocess.run(cmd, env=env(results), capture_output=True, text=True, timeout=7200)
    seconds = time.perf_counter() - t0
    CPU.setdefault(label, []).append(children_cpu() - c0)
    if out.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(argv)}: exit {out.returncode}\n{out.stderr[-2000:]}")
    return seconds, out.stderr


def prepare() -> Path:
    """The demo warehouse and a results store with January's reference snapshot: a template
    copied before each timed process, so every run starts from the same store."""
    template = HOME / "template.db"
    if not (HOME / ".datavigil" / "demo" / "warehouse.db").is_file():
        HOME.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "datavigil.demo.warehouse"], env=env(template), check=True
        )
    if not template.is_file():
        datavigil(template, "db", "upgrade")
        datavigil(template, "snapshot", "capture", "flights")
    return template


def fresh(template: Path, name: str) -> Path:
    path = HOME / name
    path.write_bytes(template.read_bytes())
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--days", type=int, default=365, help="partitions from 2013-01-01")
    ap.add_argument("--runs", type=int, default=3, help="one-day processes timed (median)")
    ap.add_argument("--day", default="2013-06-12", help="the one day validated alone")
    ap.add_argument("--strict", action="store_true", help="exit 1 when over the target")
    args = ap.parse_args(argv)
    template = prepare()

    def one_day() -> float:
        one = fresh(template, "one.db")
        return datavigil(one, "validate", "flights", "--date", args.day, label="day")[0]

    one_day()  # warms the file cache: not counted
    before = [one_day() for _ in range(args.runs)]
    last = FIRST + timedelta(days=args.days - 1)
    span = ("--from", FIRST.isoformat(), "--to", last.isoformat())
    backfill_s, log = datavigil(
        fresh(template, "backfill.db"), "validate", "flights", *span, "-v", label="backfill"
    )
    after = [one_day() for _ in range(args.runs)]  # the same load as the backfill saw, or close
    day_s = statistics.median(before + after)
    queries = [int(q) for q in re.findall(r"metrics in (\d+) queries", log)]
    query_s = sum(float(s) for s in re.findall(r"queries \(([0-9.]+)s\)", log))
    grouped = re.findall(r"metrics of (\d+) days grouped in (\d+) statements \(([0-9.]+)s\)", log)
    grouped_n = sum(int(g[1]) for g in grouped)
    grouped_s = sum(float(g[2]) for g in grouped)
    ratio = backfill_s / day_s
    print(
        f"one day ({args.day}), whole process: median {day_s:.2f} s over {2 * args.runs} runs, "
        f"half before the backfill ({' '.join(f'{x:.2f}' for x in before)}) and half after "
        f"({' '.join(f'{x:.2f}' for x in after)})"
    )
    print(
        f"backfill of {args.days} days in one process: {backfill_s:.1f} s "
        f"({backfill_s / args.days:.3f} s a partition; the scans: {grouped_n} grouped "
        f"statements for {sum(int(g[0]) for g in grouped)} days, {grouped_s:.1f} s, then "
        f"{sum(queries)} statements in the runs (moments, samples), {query_s:.1f} s)"
    )
    verdict = "met" if ratio <= TARGET else "MISSED"
    print(f"backfill / one day: {ratio:.1f}x (target <= {TARGET:.0f}x for 365 days): {verdict}")
    day_cpu, backfill_cpu = statistics.median(CPU["day"][1:]), CPU["backfill"][0]
    print(
        f"CPU (user + system): one day median {day_cpu:.2f} s, the backfill {backfill_cpu:.1f} s "
        f"({1000 * backfill_cpu / args.days:.0f} ms a partition): {backfill_cpu / day_cpu:.1f}x"
    )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if args.strict and ratio > TARGET else 0


if __name__ == "__main__":
    raise SystemExit(main())
