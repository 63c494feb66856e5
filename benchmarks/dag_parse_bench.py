"""How Airflow's parse of dags/ scales with the number of suites: 1, 50, 200 and 1,000 by default.

    python benchmarks/dag_parse_bench.py [--runs 3] [--suites 1,50,200,1000]
        [--layout suite,fleet] [--strict]

Each parse is a fresh process (cold imports, as a DAG processor parses a file): the time of
``DagBag(dag_folder=dags/)`` is measured inside it, Airflow's own import apart. The first parse
after the suites are written is "cold" (discovery reads every file with ``ast`` and fills its
cache, docs/adr/0131); the median of the next ``--runs`` is "warm", what a DAG processor sees
parse after parse (the sizes are parsed round by round, each round one parse of each size).
``--layout`` measures the default layout (``suite``: one DAG per suite) and/or the opt-in
``fleet`` (DATAVIGIL_DAG_LAYOUT=fleet: one DAG per schedule, docs/adr/0147), each in its own
folders. Targets (reported per layout; only with --strict a miss of the last layout given exits
1): 200 suites warm in at most 2x one suite, and 20 suites within 1 s (tests/e2e/test_dagbag.py
checks the imports, not the time: a shared machine makes timing flaky). The rows go to
``--out`` (benchmarks/results/dag_parse.json) for benchmarks/targets.py: ``rows`` are those of
the last layout given (``layout`` says which), ``by_layout`` holds every layout's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 1.0
PROBE = """
import json, sys, time
t0 = time.perf_counter()
from airflow.dag_processing.dagbag import DagBag
t1 = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1])
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "parse_s": t2 - t1, "dags": len(bag.dag_ids),
                  "errors": len(bag.import_errors)}))
"""


def write_suites(directory: Path, count: int) -> None:
    template = (ROOT / "schemas" / "flights.py").read_text()
    for i in range(count):
        text = template.replace('name="flights"', f'name="flights_{i:04d}"')
        (directory / f"flights_{i:04d}.py").write_text(text)


def one_parse(schemas: Path, layout: str) -> dict:
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, DATAVIGIL_SCHEMAS_DIR=str(schemas), PYTHONPATH=pythonpath)
    env["DATAVIGIL_DAG_LAYOUT"] = layout
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise SystemExit(f"dag parse of {schemas} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result | {"process_s": time.perf_counter() - t0}


def measure(counts: list[int], runs: int, layout: str) -> list[dict]:
    """A cold parse of each size (fresh schemas folders), then ``runs`` rounds of one warm parse
    of every size: the sizes are measured round by round, so a change in the machine's load
    during the run does not land on one size only."""
    with contextlib.ExitStack() as stack:
        folders = [Path(stack.enter_context(tempfile.TemporaryDirectory())) for _ in counts]
        for folder, count in zip(folders, counts, strict=True):
            write_suites(folder, count)
        cold = [one_parse(folder, layout) for folder in folders]
        warm: list[list[dict]] = [[] for _ in counts]
        for _ in range(runs):
            for i, folder in enumerate(folders):
                warm[i].append(one_parse(folder, layout))
    return [row(c, layout, cold[i], warm[i]) for i, c in enumerate(counts)]


def row(count: int, layout: str, cold: dict, warm: list[dict]) -> dict:
    parse = [r["parse_s"] for r in warm]
    fewest = count if layout == "suite" else 1  # the fleet: one DAG per schedule
    bad = [r for r in (cold, *warm) if r["errors"] or r["dags"] < fewest]
    return {
        "suites": count,
        "layout": layout,
        "dags": cold["dags"],
        "cold": cold["parse_s"],
        "warm": statistics.median(parse),
        "min": min(parse),
        "max": max(parse),
        "process": statistics.median(r["process_s"] for r in warm),
        "bad": len(bad),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="warm parses per size (after a cold one)")
    ap.add_argument("--suites", default="1,50,200,1000", help="comma list of suite counts")
    ap.add_argument("--layout", default="suite,fleet", help="comma list: suite, fleet")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "dag_parse.json")
    args = ap.parse_args(argv)
    layouts = [x.strip() for x in args.layout.split(",") if x.strip()]
    if not layouts or set(layouts) - {"suite", "fleet"}:
        ap.error(f"--layout: a comma list of 'suite' and 'fleet', got '{args.layout}'")
    by_layout = {layout: table(layout, args) for layout in layouts}
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    command = (
        f"python benchmarks/dag_parse_bench.py --runs {args.runs} --suites {args.suites} "
        f"--layout {args.layout}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    payload = {  # read by benchmarks/targets.py
        "rows": by_layout[layouts[-1]],
        "layout": layouts[-1],
        "by_layout": by_layout,
        "load": load,
        "command": command,
    }
    args.out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    print(f"load average {load}")
    codes = [
        report(rows, args.strict and layout == layouts[-1]) for layout, rows in by_layout.items()
    ]
    return max(codes)


def table(layout: str, args: argparse.Namespace) -> list[dict]:
    """One layout's rows, printed as a markdown table."""
    rows = measure([int(n) for n in args.suites.split(",")], args.runs, layout)
    print(f"\nlayout {layout}\n")
    print("| suites | DAGs | cold parse s | warm parse s (min-max) | x 1 suite | whole process s |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        ratio = r["warm"] / rows[0]["warm"]
        print(
            f"| {r['suites']:,} | {r['dags']:,} | {r['cold']:.3f} | {r['warm']:.3f} "
            f"({r['min']:.3f}-{r['max']:.3f}) | {ratio:.1f} | {r['process']:.2f} |",
            flush=True,
        )
    return rows


def report(rows: list[dict], strict: bool) -> int:
    by = {r["suites"]: r for r in rows}
    missed = []
    if 1 in by and 200 in by:
        ratio = by[200]["warm"] / by[1]["warm"]
        verdict = "met" if ratio <= 2 else "MISSED"
        layout = by[200]["layout"]
        print(f"dag parse ({layout}): 200 suites take {ratio:.1f}x one suite (<= 2x): {verdict}")
        missed += [] if ratio <= 2 else ["200 suites"]
    if 20 in by:
        warm, verdict = by[20]["warm"], "met" if by[20]["warm"] <= BUDGET_S else "MISSED"
        layout = by[20]["layout"]
        print(f"dag parse ({layout}): 20 suites in {warm:.3f} s ({BUDGET_S:.1f} s): {verdict}")
        missed += [] if by[20]["warm"] <= BUDGET_S else ["20 suites"]
    bad = sum(r["bad"] for r in rows)
    if bad:
        print(f"dag parse: {bad} parse(s) with import errors or missing DAGs")
    return 1 if bad or (strict and missed) else 0


if __name__ == "__main__":
    raise SystemExit(main())
