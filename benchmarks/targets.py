"""Issue 21's targets against what the benchmarks last measured: one row per target.

    python benchmarks/targets.py [--results benchmarks/results] [--strict]

Reads the results files the benches wrote (engine_*.json: the newest run holding each of 1M, 5M
and 20M rows; pg_5e6.json; wide_1e6.json; backfill.txt, the backfill bench's output saved by
run.py; dag_parse.json; startup.json and .md) and prints, and writes to targets.md next to them,
per target: the measured value, met or missed and by how much, the load average at the time and
the command that measured it. A target whose results are missing is "not measured" with the
command to run. Exit 0; with --strict, 1 when a target is missed or not measured.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = {1_000_000: "1M", 5_000_000: "5M", 20_000_000: "20M"}
PEERS = ("floor", "duckdb")  # the "best of (numpy floor, raw DuckDB)"
GIB = 1024.0  # MiB


@dataclass
class Row:
    target: str
    measured: str
    verdict: str
    load: str = "-"
    command: str = "-"


def verdict(value: float | None, limit: float) -> str:
    """``met (x% under)`` or ``MISSED by x%`` (of the limit); ``not measured`` without a value."""
    if value is None:
        return "not measured"
    if value <= limit:
        return f"met ({1 - value / limit:.0%} under)"
    return f"MISSED by {value / limit - 1:.0%}"


def best_peer_ratios(runs: list[dict], n: int, tool: str = "datavigil") -> list[float]:
    """``tool``'s wall over the fastest of the floor and raw DuckDB, round by round (``runs``:
    the records of engine_<sizes>.json, each with its ``round``); rounds where either is
    missing or failed are left out."""
    out = []
    for r in sorted({rec["round"] for rec in runs if rec["n"] == n}):
        recs = {x["tool"]: x for x in runs if x["n"] == n and x["round"] == r and "error" not in x}
        peers = [recs[p]["wall_s"] for p in PEERS if p in recs]
        if tool in recs and peers:
            out.append(recs[tool]["wall_s"] / min(peers))
    return out


def _read(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def engine_run(results: Path, n: int) -> tuple[dict, Path] | None:
    """The newest engine results (by their recorded date, then file time) with datavigil and a
    peer at ``n`` rows."""
    found = []
    for path in results.glob("engine_*.json"):
        got = _read(path)
        if got and best_peer_ratios(got.get("runs", []), n):
            key = (got.get("environment", {}).get("date", ""), path.stat().st_mtime)
            found.append((key, got, path))
    return max(found, key=lambda f: f[0])[1:] if found else None


def engine_command(got: dict) -> str:
    runs = got["runs"]
    sizes = ",".join(f"{n:.0e}".replace("e+0", "e") for n in sorted({r["n"] for r in runs}))
    tools = ",".join(dict.fromkeys(r["tool"] for r in runs))
    rounds = max(r["round"] for r in runs)
    return f"python benchmarks/engine_bench.py --sizes {sizes} --rounds {rounds} --tools {tools}"


def engine_rows(results: Path) -> list[Row]:
    rows = []
    cmd = "python benchmarks/engine_bench.py --sizes 1e6,5e6,2e7 --rounds 3"
    for n, label in SIZES.items():
        what = f"whole process <= 1.2x best of (numpy floor, raw DuckDB) at {label} rows"
        found = engine_run(results, n)
        if found is None:
            rows.append(Row(what, "-", verdict(None, 1.2), command=cmd))
            continue
        got, path = found
        ratios = best_peer_ratios(got["runs"], n)
        med = statistics.median(ratios)
        per_round = ", ".join(f"{r:.2f}" for r in ratios)
        load = got.get("environment", {}).get("load", "-")
        text = f"{med:.2f}x (per round {per_round}; {path.name})"
        rows.append(Row(what, text, verdict(med, 1.2), load, engine_command(got)))
    rows.append(rss_row(results, cmd))
    return rows


def rss_row(results: Path, cmd: str) -> Row:
    what = "datavigil's peak RSS <= 1 GiB at 20M rows"
    found = engine_run(results, 20_000_000)
    if found is None:
        return Row(what, "-", verdict(None, GIB), command=cmd)
    got, path = found
    ok = [r for r in got["runs"] if r["n"] == 20_000_000 and r["tool"] == "datavigil"]
    ok = [r for r in ok if "error" not in r]
    peak = max(r["maxrss_mib"] for r in ok)
    load = got.get("environment", {}).get("load", "-")
    text = f"{peak:.0f} MiB (the largest of {len(ok)} round(s); {path.name})"
    return Row(what, text, verdict(peak, GIB), load, engine_command(got))


def pg_row(results: Path) -> Row:
    what = "PostgreSQL <= 1.3x the hand-written query at 5M rows, 0 data rows out"
    cmd = "python benchmarks/pg_bench.py --rows 5e6 --rounds 3"
    got = _read(results / "pg_5e6.json")
    ratios = [r["ratio"] for r in (got or {}).get("rounds", []) if "ratio" in r]
    if not ratios:
        return Row(what, "-", verdict(None, 1.3), command=cmd)
    med = statistics.median(ratios)
    data_rows = sum(r["datavigil"]["rows_out"]["data_rows"] for r in got["rounds"] if "ratio" in r)
    text = f"{med:.2f}x (per round {', '.join(f'{r:.2f}' for r in ratios)}), {data_rows} data rows"
    result = verdict(med, 1.3)
    if data_rows:
        result = f"MISSED: {data_rows} data rows out; ratio {result}"
    cmd = f"python benchmarks/pg_bench.py --rows 5e6 --rounds {len(got['rounds'])}"
    return Row(what, text, result, got.get("load", "-"), cmd)


def wide_row(results: Path) -> Row:
    what = "500 checks on one table <= 2x raw DuckDB with the same counts"
    got = _read(results / "wide_1e6.json")
    if not got or got.get("median_ratio") is None:
        return Row(what, "-", verdict(None, 2.0), command="python benchmarks/wide_bench.py")
    ratios = [r["ratio"] for r in got["rounds"] if "ratio" in r]
    agree = not any(p.startswith("DISAGREE") for p in got.get("problems", []))
    text = f"{got['median_ratio']:.2f}x (per round {', '.join(f'{r:.2f}' for r in ratios)})"
    text += ", counts agree" if agree else ", COUNTS DISAGREE"
    result = verdict(got["median_ratio"], 2.0) if agree else "MISSED: counts disagree"
    return Row(what, text, result, got.get("load", "-"), got.get("command", "-"))


def backfill_row(results: Path) -> Row:
    what = "365-day backfill of the demo's flights suite <= 10x one day"
    cmd = "python benchmarks/backfill_bench.py --days 365"
    try:
        text = (results / "backfill.txt").read_text(encoding="utf-8")
    except OSError:
        text = ""
    ratio = re.search(r"backfill / one day: ([0-9.]+)x", text)
    days = re.search(r"backfill of (\d+) days", text)
    if not ratio:
        return Row(what, "-", verdict(None, 10.0), command=cmd)
    load = re.search(r"load average: (.+)", text)
    measured = f"{float(ratio[1]):.1f}x"
    if days and days[1] != "365":
        measured += f" (over {days[1]} days, not 365)"
    return Row(what, measured, verdict(float(ratio[1]), 10.0), load[1] if load else "-", cmd)


def dag_parse_rows(results: Path) -> list[Row]:
    """One row per DAG layout measured (ADR 0147: one DAG per suite, or the opt-in fleet)."""
    what = "200 suites parse in <= 2x one suite (warm)"
    got = _read(results / "dag_parse.json") or {}
    layouts = got.get("by_layout") or {got.get("layout", "suite"): got.get("rows", [])}
    found = []
    for layout, measured in layouts.items():
        by = {r["suites"]: r for r in measured}
        label = f"{what}, {layout} layout"
        if 1 not in by or 200 not in by:
            found.append(
                Row(label, "-", verdict(None, 2.0), command="python benchmarks/dag_parse_bench.py")
            )
            continue
        ratio = by[200]["warm"] / by[1]["warm"]
        text = f"{ratio:.2f}x ({by[200]['warm']:.3f} s vs {by[1]['warm']:.3f} s)"
        found.append(
            Row(label, text, verdict(ratio, 2.0), got.get("load", "-"), got.get("command", "-"))
        )
    return found


def startup_row(results: Path) -> Row:
    what = "start-up (to the first query) of a suite without a model <= the floor's imports"
    got = _read(results / "startup.json")
    cmd = "python benchmarks/startup_bench.py --rounds 3"
    if not got or "datavigil plain" not in got or "floor imports" not in got:
        return Row(what, "-", verdict(None, 1.0), command=cmd)
    pairs = zip(got["datavigil plain"], got["floor imports"], strict=True)
    ratios = [a["first_query_s"] / b["first_query_s"] for a, b in pairs]
    med = statistics.median(ratios)
    try:
        note = (results / "startup.md").read_text(encoding="utf-8")
    except OSError:
        note = ""
    load = re.search(r"load average ([0-9. ]+);", note)
    found = re.search(r"`(python benchmarks/startup_bench.py[^`]*)`", note)
    text = f"{med:.2f}x (per round {', '.join(f'{r:.2f}' for r in ratios)})"
    return Row(what, text, verdict(med, 1.0), load[1] if load else "-", found[1] if found else cmd)


def rows(results: Path) -> list[Row]:
    return [
        *engine_rows(results),
        pg_row(results),
        wide_row(results),
        backfill_row(results),
        *dag_parse_rows(results),
        startup_row(results),
    ]


def markdown(found: list[Row]) -> str:
    lines = [
        "# Issue 21's targets",
        "",
        "Written by `python benchmarks/targets.py` from the results files in this directory; "
        "ratios are per round (each tool's whole process against its peer in the same round), "
        "their median is the measured value.",
        "",
        "| target | measured | met? | load average | command |",
        "|---|---|---|---|---|",
    ]
    for r in found:
        lines.append(f"| {r.target} | {r.measured} | {r.verdict} | {r.load} | `{r.command}` |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=HERE / "results")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is not met")
    args = ap.parse_args(argv)
    found = rows(args.results)
    text = markdown(found)
    print(text)
    (args.results / "targets.md").write_text(text, encoding="utf-8")
    return 1 if args.strict and any(not r.verdict.startswith("met") for r in found) else 0


if __name__ == "__main__":
    raise SystemExit(main())
