"""A wide suite: 500 checks on one table, `datavigil validate` against one raw DuckDB query
computing the same 500 counts, whole processes side by side in the same rounds; then the same
checks on SQLite with a 500-column pandera model (a verdict, not "Expression tree is too large").

    python benchmarks/wide_bench.py [--rows 1e6] [--rounds 3] [--sqlite-rows 1e4] [--data DIR]

The table (peers/wide_suite.py says which columns, checks and faults): ``wide_<N>.parquet``, 100
columns, N rows, and ``wide_<M>.sqlite``, a table ``wide`` of 500 columns and M rows, generated
once (seeded) into the data directory (.datavigil/bench by default). Each round runs, as whole
processes in alternating order: peers/wide_raw.py (one DuckDB statement over the Parquet file)
and ``datavigil validate wide`` of a FileSource suite over the same file (in a fresh temporary
project, ``db upgrade`` not timed; benchmarks/peers/datavigil_peer.py: the statements it sends
to the source are counted, compiled modules come from one cache). Every check's failing_rows
(check_results) must equal the raw query's count: otherwise DISAGREE lines and exit 1.
Target: datavigil at most 2x the raw query (median of the per-round ratios; reported, exit 1 only
with --strict). The SQLite run must give a verdict (exit 0 or 1, no check in error) with the
counts of the raw SQLite query. Results: benchmarks/results/wide_<N>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "peers")]

import datavigil_peer as dv  # noqa: E402
import gen  # noqa: E402
import wide_data  # noqa: E402
import wide_suite as ws  # noqa: E402

TARGET = 2.0
DATE = "2024-01-14"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def raw(backend: str, path: Path) -> dict:
    """peers/wide_raw.py as a whole process: wall, peak RSS, its counts."""
    cmd = [sys.executable, str(HERE / "peers" / "wide_raw.py"), backend, str(path)]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=HERE.parent)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        out.seek(0), err.seek(0)
        lines = [x for x in out.read().decode().splitlines() if x.startswith("RESULT ")]
        tail = (err.read().decode(errors="replace").strip().splitlines() or ["(no output)"])[-1]
    if os.waitstatus_to_exitcode(status) != 0 or not lines:
        return {"error": f"raw {backend}: exit {os.waitstatus_to_exitcode(status)}: {tail}"}
    got = json.loads(lines[-1].removeprefix("RESULT "))
    return got | {"wall_s": wall, "maxrss_mib": usage.ru_maxrss / 1024}


def read_back(db: Path) -> dict:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT check_name, status, failing_rows, message FROM check_results")
    got = {"counts": {}, "status": {}, "errors": []}
    for name, status, failing, message in rows.fetchall():
        got["status"][name] = status
        if status == "error":
            got["errors"].append(f"{name}: {message}")
        if failing is not None:
            got["counts"][name] = int(failing)
    con.close()
    return got


def datavigil(source: str, model: bool, data: tuple[str, ...]) -> dict:
    """``datavigil validate wide`` in a fresh temporary project: wall, RSS, exit, results."""
    with tempfile.TemporaryDirectory(prefix="datavigil-wide-") as name:
        tmp = Path(name)
        env = dv.environment(tmp)
        (tmp / "schemas").mkdir()
        text = ws.suite_module(source, model)
        (tmp / "schemas" / "wide.py").write_text(text, encoding="utf-8")
        dv.step(env, "db", "upgrade")
        counted = env | {"DATAVIGIL_BENCH_STATEMENTS": str(tmp / "statements.json")}
        code, wall, rss, tail = dv.datavigil(counted, "validate", "wide", "--date", DATE)
        if code not in (0, 1):
            return {"error": f"datavigil validate: exit {code}: {tail}", "exit": code}
        sent = dv.statement_counts(tmp / "statements.json", env, data)
        got = read_back(tmp / "results.db")
    return got | sent | {"wall_s": wall, "maxrss_mib": rss, "exit": code}


def compare(dv_rec: dict, raw_rec: dict, label: str) -> list[str]:
    out = []
    for name, want in raw_rec["counts"].items():
        if name != "rows" and dv_rec["counts"].get(name) != want:
            out.append(f"DISAGREE {label} {name}: {dv_rec['counts'].get(name)} (raw {want})")
    return out


def one_round(i: int, path: Path) -> dict:
    order = ("raw", "datavigil") if i % 2 else ("datavigil", "raw")
    rec: dict = {"round": i}
    for who in order:
        if who == "raw":
            rec["raw"] = raw("duckdb", path)
        else:
            source = f"FileSource(path={str(path)!r})"
            rec["datavigil"] = datavigil(source, False, (str(path), "src"))
        got = rec[who]
        log(f"  [round {i}] {who}: {got.get('error') or format(got['wall_s'], '.2f') + ' s'}")
    a, b = rec["datavigil"], rec["raw"]
    if "error" not in a and "error" not in b:
        rec["ratio"] = a["wall_s"] / b["wall_s"]
        rec["problems"] = compare(a, b, f"round {i}")
    return rec


def sqlite_part(path: Path) -> dict:
    """The same checks and a 500-column model on SQLite: a verdict, and the raw counts."""
    q = raw("sqlite", path)
    got = datavigil(f"SqlSource(table='wide', url='sqlite:///{path}')", True, ("wide",))
    out = {"raw": q, "datavigil": got, "problems": []}
    if "error" in got or "error" in q:
        out["problems"].append(f"ERROR sqlite: {got.get('error') or q.get('error')}")
        return out
    out["problems"] += compare(got, q, "sqlite")
    out["problems"] += [f"ERROR sqlite check {e}" for e in got["errors"]]
    return out


def table(rounds: list[dict], sq: dict, args: argparse.Namespace) -> list[str]:
    n_checks = len(ws.checks())
    lines = [
        f"# Wide suite: {n_checks} checks on one table ({args.rows:,} rows, {ws.COLUMNS} columns)",
        "",
        f"`{command(args)}`",
        "",
        "| round | raw DuckDB s | datavigil s | ratio | datavigil peak RSS MiB | statements to the "
        "source (data scans, samples) | s in scans (in samples) | checks failing | counts agree |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        a, b = r["datavigil"], r["raw"]
        if "ratio" not in r:
            lines.append(f"| {r['round']} | {b.get('error', '')} | {a.get('error', '')} |||||||")
            continue
        failing = sum(s == "fail" for s in a["status"].values())
        lines.append(
            f"| {r['round']} | {b['wall_s']:.2f} | {a['wall_s']:.2f} | {r['ratio']:.2f} "
            f"| {a['maxrss_mib']:.0f} | {a['statements']} ({a['scans']}, {a['samples']}) "
            f"| {a.get('scans_s', 0):.2f} ({a.get('samples_s', 0):.2f}) "
            f"| {failing} | {'yes' if not r['problems'] else 'NO'} |"
        )
    lines += ["", verdict(rounds), "", *sqlite_lines(sq, args)]
    return lines


def median_ratio(rounds: list[dict]) -> float | None:
    ratios = [r["ratio"] for r in rounds if "ratio" in r]
    return statistics.median(ratios) if ratios else None


def verdict(rounds: list[dict]) -> str:
    ratio = median_ratio(rounds)
    if ratio is None:
        return "No round completed."
    met = "met" if ratio <= TARGET else f"missed by {ratio / TARGET - 1:.0%}"
    return f"Median ratio datavigil / raw DuckDB: {ratio:.2f} (target <= {TARGET:g}x: {met})."


def sqlite_lines(sq: dict, args: argparse.Namespace) -> list[str]:
    a, q = sq["datavigil"], sq["raw"]
    head = [
        f"## SQLite: the same checks and a {ws.MODEL_COLUMNS}-column pandera model "
        f"({args.sqlite_rows:,} rows)",
        "",
        "| raw SQLite s | datavigil s | exit | checks failing | of them the model's | checks "
        "in error | counts agree |",
        "|---|---|---|---|---|---|---|",
    ]
    if "error" in a or "error" in q:
        return head + [f"| {q.get('error', '')} | {a.get('error', '')} ||||||"]
    failing = [k for k, s in a["status"].items() if s == "fail"]
    model = [k for k in failing if k.startswith("schema")]
    agree = not any(p.startswith("DISAGREE") for p in sq["problems"])
    return head + [
        f"| {q['wall_s']:.2f} | {a['wall_s']:.2f} | {a['exit']} | {len(failing)} | {len(model)} "
        f"| {len(a['errors'])} | {'yes' if agree else 'NO'} |"
    ]


def command(args: argparse.Namespace) -> str:
    return (
        f"python benchmarks/wide_bench.py --rows {gen.tag_of(args.rows)} --rounds {args.rounds} "
        f"--sqlite-rows {gen.tag_of(args.sqlite_rows)}"
    )


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1e6", help="rows of the Parquet table (1e6)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--sqlite-rows", default="1e4", help="rows of the 500-column SQLite table")
    ap.add_argument("--data", type=Path, default=gen.DEFAULT_DATA, help="data directory")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--strict", action="store_true", help="exit 1 when the target is missed")
    args = ap.parse_args(argv)
    args.rows, args.sqlite_rows = gen.parse_n(args.rows), gen.parse_n(args.sqlite_rows)
    if args.rounds < 1:
        ap.error("--rounds must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    parquet = wide_data.ensure_parquet(args.data, args.rows, log)
    lite = wide_data.ensure_sqlite(args.data, args.sqlite_rows, log)
    with tempfile.TemporaryDirectory(prefix="datavigil-wide-warm-") as tmp:
        dv.warm_up(dv.environment(Path(tmp)))  # compiled modules into the cache: not timed
    with open(parquet, "rb") as fh:  # into the page cache, for both tools
        while fh.read(1 << 24):
            pass
    log(f"wide bench: {len(ws.checks())} checks, {args.rows:,} rows, {args.rounds} rounds")
    rounds = [one_round(i + 1, parquet) for i in range(args.rounds)]
    log(f"wide bench: SQLite, {args.sqlite_rows:,} rows, 500-column model")
    sq = sqlite_part(lite)
    problems = [p for r in rounds for p in r.get("problems", [])] + sq["problems"]
    problems += [f"ERROR round {r['round']}: {r[k]['error']}" for r in rounds for k in
                 ("raw", "datavigil") if "error" in r[k]]  # fmt: skip
    lines = table(rounds, sq, args)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    lines += ["", f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load}"]
    print("\n".join(lines + [""] + problems))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"wide_{gen.tag_of(args.rows)}"
    payload = {"rows": args.rows, "checks": len(ws.checks()), "target": TARGET,
               "median_ratio": median_ratio(rounds), "rounds": rounds, "sqlite": sq,
               "problems": problems, "load": load, "command": command(args)}  # fmt: skip
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=1) + "\n")
    stem.with_suffix(".md").write_text("\n".join(lines + [""] + problems) + "\n")
    missed = (median_ratio(rounds) or float("inf")) > TARGET
    return 1 if problems or (args.strict and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
