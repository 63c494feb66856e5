"""The validation suite in every tool, side by side: whole processes, in rounds, per size.

    python benchmarks/engine_bench.py [--sizes 1e6,5e6] [--rounds 3] [--tools floor,duckdb,...]

Each round runs every tool once as its own process (the order rotates between rounds) and
measures its wall time and peak RSS (``os.wait4`` on that child: ru_maxrss covers the child and
the processes it waited for). A ratio is a tool's wall over the floor's in the same round, since
the machine is shared; the table gives the median of the per-round ratios. Every tool must agree
with the floor on every failing count exactly and on every statistic and p-value to 1e-9
(relative; no absolute slack): otherwise a DISAGREE line is printed and the exit code is 1.
Results go to benchmarks/results/engine_<sizes>.json and .md (see benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import gen
from report import agree, markdown, median

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
TOOLS = {
    "floor": "peers/floor.py",
    "duckdb": "peers/duckdb_sql.py",
    "pandera": "peers/pandera_pandas.py",
    "datavigil": "peers/datavigil_peer.py",
    "datavigil-sql": "peers/datavigil_peer.py",
}
DEFAULT_TOOLS = "floor,duckdb,pandera,datavigil"


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_tool(tool: str, data: Path, n: int) -> dict:
    """One whole process: wall, peak RSS and the RESULT line it printed."""
    cmd = [sys.executable, str(HERE / TOOLS[tool]), str(data), str(n)]
    env = dict(os.environ, DATAVIGIL_BENCH_MODE="sql" if tool == "datavigil-sql" else "file")
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=HERE.parent)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    rec = {"tool": tool, "n": n, "wall_s": wall, "maxrss_mib": usage.ru_maxrss / 1024,
           "cpu_s": usage.ru_utime + usage.ru_stime}  # fmt: skip
    lines = [x for x in stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        tail = (stderr.strip().splitlines() or ["(no output)"])[-1]
        rec["error"] = f"exit {proc.returncode}: {tail}"
        return rec
    rec.update(json.loads(lines[-1][len("RESULT ") :]), tool=tool)
    if "error" in rec:
        return rec
    inner = rec.get("timed_process")  # a peer that times its tool's own process (datavigil)
    if inner:
        rec["peer_wall_s"], rec["peer_maxrss_mib"] = wall, rec["maxrss_mib"]
        rec["wall_s"], rec["maxrss_mib"] = inner["wall_s"], inner["maxrss_mib"]
        rec["cpu_s"] = inner.get("cpu_s", rec["cpu_s"])
    return rec


def warm(paths: tuple[Path, Path]) -> None:
    """Read the files once so that every tool finds them in the page cache."""
    for path in paths:
        with open(path, "rb") as fh:
            while fh.read(1 << 24):
                pass


def bench_size(n: int, tools: list[str], rounds: int, data: Path) -> list[list[dict]]:
    warm(gen.ensure(n, data))
    out = []
    for r in range(rounds):
        order = tools[r % len(tools) :] + tools[: r % len(tools)]
        recs = {}
        for tool in order:
            rec = recs[tool] = run_tool(tool, data, n)
            what = rec.get("error") or f"{rec['wall_s']:.2f} s, {rec['maxrss_mib']:.0f} MiB"
            log(f"  [{gen.tag_of(n)} round {r + 1}/{rounds}] {tool:<13} {what}")
        out.append([recs[t] for t in tools])
    return out


def ratios(rounds: list[list[dict]]) -> None:
    """Each record's wall over the floor's in its round (in place)."""
    for recs in rounds:
        floor = next(r for r in recs if r["tool"] == "floor")
        for rec in recs:
            if "error" not in rec and "error" not in floor:
                rec["ratio"] = rec["wall_s"] / floor["wall_s"]


def summarize(n: int, rounds: list[list[dict]], tools: list[str]) -> list[dict]:
    rows = []
    for i, tool in enumerate(tools):
        recs = [r[i] for r in rounds]
        ok = [r for r in recs if "error" not in r]
        row = {"n": n, "tool": tool, "rounds": len(recs), "ok": len(ok)}
        if ok:
            row.update(
                ratio_per_round=[r.get("ratio") for r in recs],
                ratio=median([r["ratio"] for r in ok if "ratio" in r]),
                wall_s=median([r["wall_s"] for r in ok]),
                read_validate_s=median([r["read_validate_s"] for r in ok]),
                maxrss_mib=max(r["maxrss_mib"] for r in ok),
            )
            if "statements" in ok[0]:  # datavigil: what it sent to its sources (the last round)
                row.update({k: ok[-1][k] for k in ("statements", "scans", "samples")})
            if "to_first_query_s" in ok[0]:  # datavigil: where its wall time went, per round
                row["split_per_round"] = [_split(r) for r in ok]
        else:
            row["error"] = recs[0]["error"]
        rows.append(row)
    return rows


PEERS = ("floor", "duckdb")  # issue 21's target: a tool within 1.2x the best of these


def best_peer(rounds: list[list[dict]], tools: list[str], row: dict) -> None:
    """A tool's wall and CPU time over the best peer's in the same round (in ``row``)."""
    tool = row["tool"]
    if tool in PEERS or not set(PEERS) <= set(tools) or not row.get("ok"):
        return
    for key in ("wall_s", "cpu_s"):
        found = []
        for recs in rounds:
            by = {r["tool"]: r for r in recs if "error" not in r}
            if tool in by and all(p in by for p in PEERS):
                found.append(round(by[tool][key] / min(by[p][key] for p in PEERS), 2))
        row[f"best_peer_{key[:-2]}_ratio_per_round"] = found


def _split(rec: dict) -> dict[str, float]:
    """A datavigil process's wall time: to its first query, its queries (from the first query's
    start to the last one's end: judging between them included), and after the last one."""
    first, last = rec["to_first_query_s"], rec["to_last_query_end_s"]
    return {"start_s": first, "queries_s": round(last - first, 3),
            "after_s": round(rec["wall_s"] - last, 3)}  # fmt: skip


def environment() -> dict:
    def version(dist: str) -> str:  # read from the installed metadata: nothing imported
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            return "-"

    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "commit": commit,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),  # at the end of the bench
        **{m: version(m) for m in ("numpy", "pyarrow", "duckdb", "pandas", "pandera", "scipy")},
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1e6,5e6", help="row counts, e.g. 1e6,5e6,2e7")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--tools", default=DEFAULT_TOOLS, help=f"any of {','.join(TOOLS)}")
    ap.add_argument("--data", type=Path, default=gen.DEFAULT_DATA, help="data directory")
    ap.add_argument("--out", type=Path, default=RESULTS, help="where results are written")
    ap.add_argument("--name", help="file name of the results (default engine_<sizes>)")
    args = ap.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    unknown = sorted(set(tools) - set(TOOLS))
    if unknown or args.rounds < 1:
        ap.error(f"unknown tool(s) {', '.join(unknown)}" if unknown else "--rounds must be >= 1")
    args.tools = ["floor"] + [t for t in tools if t != "floor"]  # the floor sets the ratios
    args.sizes = [gen.parse_n(s.strip()) for s in args.sizes.split(",")]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    everything, summary, problems = [], [], []
    for n in args.sizes:
        log(f"engine bench: {n:,} rows, {args.rounds} round(s), tools {', '.join(args.tools)}")
        rounds = bench_size(n, args.tools, args.rounds, args.data)
        ratios(rounds)
        problems += agree(rounds)
        everything += [rec | {"round": i + 1} for i, recs in enumerate(rounds) for rec in recs]
        rows = summarize(n, rounds, args.tools)
        for row in rows:
            best_peer(rounds, args.tools, row)
        summary += rows
    env = environment()
    table = markdown(summary, everything, env, args)
    print(table)
    for line in problems:
        print(line)
    for row in summary:  # over the best of the floor and raw DuckDB, per round (JSON too)
        if "best_peer_wall_ratio_per_round" in row:
            log(f"  {row['tool']} {row['n']:,} rows over the best peer, per round: wall "
                f"{row['best_peer_wall_ratio_per_round']}, CPU "
                f"{row['best_peer_cpu_ratio_per_round']}")  # fmt: skip
    for row in summary:  # where datavigil's wall time went (JSON: split_per_round)
        for i, part in enumerate(row.get("split_per_round", [])):
            log(f"  {row['tool']} {row['n']:,} rows, round {i + 1}: " + ", ".join(
                f"{k} {v:.2f}" for k, v in part.items()))  # fmt: skip
    stem = args.name or "engine_" + "-".join(gen.tag_of(n) for n in args.sizes)
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"environment": env, "summary": summary, "runs": everything, "problems": problems}
    (args.out / f"{stem}.json").write_text(json.dumps(payload, indent=1) + "\n")
    (args.out / f"{stem}.md").write_text(table + "\n" + "".join(p + "\n" for p in problems))
    log(f"wrote {args.out / stem}.json and .md")
    errors = [r for r in everything if "error" in r]
    return 1 if problems or errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
