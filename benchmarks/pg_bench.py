"""The suite on PostgreSQL: datavigil on a SqlSource suite vs one hand-written aggregate query,
and how many data rows left the server for datavigil (target: 0).

    python benchmarks/pg_bench.py [--rows 5e6] [--rounds 3] [--port 55499] [--keep]

A PRIVATE server (benchmarks/pgserver.py: own initdb directory under the data dir, own port,
pg_stat_statements preloaded) holds tables ``bench`` (current_N.parquet, COPY'd in) and
``bench_reference``. Each round runs, as whole processes: the hand-written query
(peers/pg_query.py) and datavigil (peers/datavigil_peer.py in ``pg`` mode: validate as role
``datavigil_bench``). Rows out of the server are counted from pg_stat_statements: see
rows_out.py. Both must agree with each other (and the query with the floor on the same
Parquet files) exactly on counts and to 1e-9 on statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import gen
import loadpg
import pgserver
import rows_out
from report import differences, median

HERE = Path(__file__).resolve().parent
ROLE = "datavigil_bench"
ROW_KINDS = ("data_rows", "agg_rows", "sample_rows")
PAIRS = (("query_vs_floor", "query vs floor"), ("datavigil_vs_query", "datavigil vs query"))


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def conninfo(port: int, user: str = "postgres", db: str = "bench") -> str:
    return f"host=127.0.0.1 port={port} user={user} dbname={db}"


def run(cmd: list[str], env: dict | None = None) -> dict:
    """A whole process: wall, peak RSS, and its RESULT line."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=HERE)
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    lines = [x for x in out.decode().splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = (err.decode().strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {proc.returncode}: {tail}", "wall_s": wall}
    rec = json.loads(lines[-1][len("RESULT ") :])
    rec.setdefault("wall_s", wall)
    rec["wall_s"] = rec.get("timed_process", {}).get("wall_s", wall)
    return rec


def datavigil_round(data: Path, n: int, port: int) -> dict:
    env = dict(
        os.environ,
        DATAVIGIL_BENCH_MODE="pg",
        DATAVIGIL_BENCH_PG_URL=f"postgresql+psycopg://{ROLE}@127.0.0.1:{port}/bench",
        DATAVIGIL_BENCH_PG_ADMIN=conninfo(port),
    )
    rec = run([sys.executable, str(HERE / "peers" / "datavigil_peer.py"), str(data), str(n)], env)
    if "error" not in rec:
        rec["rows_out"] = rows_out.count(conninfo(port), ROLE)
    return rec


def one_round(i: int, args: argparse.Namespace, floor: dict) -> dict:
    hand = run([sys.executable, str(HERE / "peers" / "pg_query.py"), conninfo(args.port)])
    log(f"  [round {i}] hand-written query: {hand.get('error') or format(hand['wall_s'], '.2f')}")
    out = {"round": i, "query": hand}
    if "error" not in hand:
        out["query_vs_floor"] = differences(hand, floor)
    if not args.skip_datavigil:
        dv = datavigil_round(args.data, args.rows, args.port)
        what = (
            dv.get("error")
            or f"{dv['wall_s']:.2f} s, {dv['rows_out']['data_rows']:,} data rows out"
        )
        log(f"  [round {i}] datavigil: {what}")
        out["datavigil"] = dv
        if "error" not in dv and "error" not in hand:
            out["ratio"] = dv["wall_s"] / hand["wall_s"]
            out["datavigil_vs_query"] = differences(dv, hand, "query")
    return out


def summary_lines(rounds: list[dict], args: argparse.Namespace) -> list[str]:
    lines = [
        f"# PostgreSQL benchmark: {args.rows:,} rows",
        "",
        f"`python benchmarks/pg_bench.py --rows {args.rows} --rounds {args.rounds}`",
        "",
        "| round | hand-written query s | datavigil s | ratio | data rows out | "
        "aggregate rows | sample rows | statements (data scans, samples) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        q, dv = r["query"], r.get("datavigil", {})
        rows = dv.get("rows_out", {})
        cells = [
            str(r["round"]),
            q.get("error") or f"{q['wall_s']:.2f}",
            dv.get("error") or (f"{dv['wall_s']:.2f}" if dv else "-"),
            f"{r['ratio']:.2f}" if "ratio" in r else "-",
            *(
                f"{rows[k]:,}" if k in rows else "-"
                for k in ("data_rows", "agg_rows", "sample_rows")
            ),
            f"{dv['statements']} ({dv['scans']}, {dv['samples']})" if "statements" in dv else "-",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    ratios = [r["ratio"] for r in rounds if "ratio" in r]
    if ratios:
        lines += ["", f"median ratio datavigil / hand-written query: {median(ratios):.2f}"]
    lines += ["", "statements: what datavigil's validate process sent to the server (a SQLAlchemy "
              "hook in it), of them the data scans (statements reading bench or "
              "bench_reference) and the LIMITed samples (among them the one-row reads of the "
              f"one pass's shifts: docs/adr/0148); load average {load()}"]  # fmt: skip
    return lines


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def problems_of(rounds: list[dict]) -> list[str]:
    out = []
    for r in rounds:
        for key, who in (
            ("query_vs_floor", "query vs floor"),
            ("datavigil_vs_query", "datavigil vs query"),
        ):
            out += [f"DISAGREE round {r['round']} {who}: {d}" for d in r.get(key, [])]
        for key in ("query", "datavigil"):
            if "error" in r.get(key, {}):
                out.append(f"ERROR round {r['round']} {key}: {r[key]['error']}")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="5e6", help="rows of the current table (5e6; 2e5 is quick)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--port", type=int, default=55499)
    ap.add_argument("--data", type=Path, default=gen.DEFAULT_DATA)
    ap.add_argument("--keep", action="store_true", help="leave the private server running")
    ap.add_argument("--skip-datavigil", action="store_true", help="time the query only")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    args.rows = gen.parse_n(args.rows)
    if args.port == 55432:
        ap.error("55432 is the shared test server: pick another port")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    cur, ref = gen.ensure(args.rows, args.data)
    floor = run([sys.executable, str(HERE / "peers" / "floor.py"), str(args.data), str(args.rows)])
    server = pgserver.Server(args.data / f"pg-{args.port}", args.port)
    log(f"pg bench: private PostgreSQL on port {args.port} ({server.directory})")
    server.start()
    try:
        loadpg.prepare(conninfo(args.port, db="postgres"), cur, ref, ROLE, log)
        rounds = [one_round(i + 1, args, floor) for i in range(args.rounds)]
    finally:
        if not args.keep:
            server.stop()
    lines, problems = summary_lines(rounds, args), problems_of(rounds)
    print("\n".join(lines + [""] + problems))
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"pg_{gen.tag_of(args.rows)}"
    payload = {"rows": args.rows, "floor": floor, "rounds": rounds, "problems": problems,
               "load": load()}  # fmt: skip
    stem.with_suffix(".json").write_text(json.dumps(payload, indent=1) + "\n")
    stem.with_suffix(".md").write_text("\n".join(lines + [""] + problems) + "\n")
    transferred = any(r.get("datavigil", {}).get("rows_out", {}).get("data_rows") for r in rounds)
    if transferred:
        print("pg bench: datavigil pulled data rows out of the server (target: 0)")
    return 1 if problems or transferred else 0


if __name__ == "__main__":
    raise SystemExit(main())
