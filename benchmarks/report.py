"""Agreement between tools and the markdown tables of benchmarks/engine_bench.py."""

from __future__ import annotations

import math
import statistics
from typing import Any

from targets import PEERS, best_peer_ratios

REL, ABS = 1e-9, 1e-300  # relative: p-values of 1e-40 must agree too, not be "both small"


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def close(a: float, b: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)  # abs: underflow to 0 only


def close_p(a: float, b: float) -> bool:
    """p-values: to 1e-9 relative, or -log p to 1e-9 relative. Far in the tail a p-value
    multiplies the statistic's relative error by about t^2 (t = 34 at 5M rows: 1e-12 in t is
    2e-9 in p), so p = 1.1450472796e-250 and 1.1450472818e-250 agree, 1.6e-40 and 4.5e-41 not."""
    if close(a, b):
        return True
    return a > 0 and b > 0 and math.isclose(math.log(a), math.log(b), rel_tol=REL)


def differences(rec: dict, ref: dict, label: str = "floor") -> list[str]:
    """What ``rec`` reports differently from ``ref`` (the floor, or ``label``)."""
    out = []
    for check, want in ref["failures"].items():
        got = rec["failures"].get(check)
        if got != want:
            out.append(f"{check}: {got} ({label} {want})")
    for test, (stat, p) in ref["tests"].items():
        got = rec["tests"].get(test)
        if got is None:
            out.append(f"{test}: missing")
            continue
        if not close(got[0], stat):
            out.append(f"{test} statistic: {got[0]!r} ({label} {stat!r})")
        if not close_p(got[1], p):
            out.append(f"{test} p-value: {got[1]!r} ({label} {p!r})")
    return out


def agree(rounds: list[list[dict]]) -> list[str]:
    """A DISAGREE line per value on which a tool differs from the floor of its round."""
    lines = []
    for i, recs in enumerate(rounds):
        floor = next(r for r in recs if r["tool"] == "floor")
        if "error" in floor:
            continue
        for rec in recs:
            if rec is floor or "error" in rec:
                continue
            for diff in differences(rec, floor):
                lines.append(f"DISAGREE n={rec['n']} round {i + 1} {rec['tool']}: {diff}")
    return lines


def tag(n: int) -> str:
    """1000000 -> 1e6 (as benchmarks/gen.py names the files)."""
    exp = len(str(n)) - 1
    return f"{n / 10**exp:g}e{exp}"


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def size_table(rows: list[dict]) -> list[str]:
    out = [
        "| tool | wall s (median) | ratio to floor, per round | median ratio | "
        "read+validate s | peak RSS MiB | statements to the source (data scans, samples) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        if row["ok"] == 0:
            out.append(f"| {row['tool']} | error: {row['error']} | | | | | |")
            continue
        per_round = ", ".join(_fmt(r, ".2f") for r in row["ratio_per_round"])
        sent = "-"
        if "statements" in row:
            sent = f"{row['statements']} ({row['scans']}, {row['samples']})"
        out.append(
            f"| {row['tool']} | {row['wall_s']:.2f} | {per_round} | {_fmt(row['ratio'], '.2f')} "
            f"| {row['read_validate_s']:.2f} | {row['maxrss_mib']:.0f} | {sent} |"
        )
    return out


def overview(summary: list[dict], tools: list[str], runs: list[dict] | None = None) -> list[str]:
    """One line per size: each tool's median ratio (floor: its wall and RSS), and datavigil's
    median ratio to the best of the floor and raw DuckDB in the same round."""
    best = "datavigil" in tools and any(p in tools for p in PEERS) and runs is not None
    extra = " datavigil / best of floor, raw DuckDB |" if best else ""
    out = ["| rows | " + " | ".join(tools) + " |" + extra, "|---" * (len(tools) + 1 + best) + "|"]
    for n in sorted({row["n"] for row in summary}):
        cells = []
        for tool in tools:
            row = next(r for r in summary if r["n"] == n and r["tool"] == tool)
            if row["ok"] == 0:
                cells.append("error")
            else:
                cells.append(
                    f"{_fmt(row['ratio'], '.2f')} ({row['wall_s']:.2f} s, "
                    f"{row['maxrss_mib']:.0f} MiB)"
                )
        if best:
            cells.append(_fmt(median(best_peer_ratios(runs or [], n)), ".2f"))
        out.append(f"| {n:,} | " + " | ".join(cells) + " |")
    return out


def markdown(summary: list[dict], runs: list[dict], env: dict, args: Any) -> str:
    sizes = ",".join(tag(n) for n in args.sizes)
    lines = [
        "# Engine benchmark: the validation suite in every tool",
        "",
        f"`python benchmarks/engine_bench.py --sizes {sizes} --rounds {args.rounds} "
        f"--tools {','.join(args.tools)}`",
        "",
        ", ".join(f"{k} {v}" for k, v in env.items()),
        "",
        "Whole-process wall time; ratio = the tool's wall over the floor's in the same round "
        "(median of the per-round ratios); peak RSS = the largest of the rounds; statements = "
        "what datavigil sent to its sources in one run (a SQLAlchemy hook in its process), of "
        "them the data scans (not LIMIT 0 probes nor catalogue queries) and the samples.",
        "",
        *overview(summary, args.tools, runs),
    ]
    for n in sorted({row["n"] for row in summary}):
        lines += ["", f"## {n:,} rows", "", *size_table([r for r in summary if r["n"] == n])]
    errors = sorted({f"{r['tool']} (n={r['n']}): {r['error']}" for r in runs if "error" in r})
    if errors:
        lines += ["", "Tools that did not run:", "", *[f"- {e}" for e in errors]]
    return "\n".join(lines)
