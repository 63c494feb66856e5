"""How long Airflow takes to parse dags/ with 20 suites, against a 1 s budget (reported).

    python benchmarks/dag_parse_bench.py [--runs 5] [--suites 20] [--strict]

Each run is a fresh process (cold imports, as a DAG processor parses a file): the time of
``DagBag(dag_folder=dags/)`` is measured inside it. The median over the runs is compared with the
budget; over budget prints OVER BUDGET and, only with --strict, exits 1 (the unit test
tests/e2e/test_dagbag.py checks the imports, not the time: a shared machine makes timing flaky).
"""

from __future__ import annotations

import argparse
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
        text = template.replace('name="flights"', f'name="flights_{i:02d}"')
        (directory / f"flights_{i:02d}.py").write_text(text)


def one_parse(schemas: Path) -> dict:
    pythonpath = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    env = dict(os.environ, DATAVIGIL_SCHEMAS_DIR=str(schemas), PYTHONPATH=pythonpath)
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", PROBE, str(ROOT / "dags")],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result | {"process_s": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--suites", type=int, default=20)
    ap.add_argument("--strict", action="store_true", help="exit 1 when over budget")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        write_suites(Path(tmp), args.suites)
        runs = []
        for i in range(args.runs):
            runs.append(one_parse(Path(tmp)))
            print(f"  run {i + 1}/{args.runs}: parse {runs[-1]['parse_s']:.3f} s", flush=True)
    parse = statistics.median(r["parse_s"] for r in runs)
    bad = [r for r in runs if r["errors"] or r["dags"] < args.suites]
    verdict = "within budget" if parse <= BUDGET_S else "OVER BUDGET"
    print(
        f"dag parse: {args.suites} suites, median {parse:.3f} s over {args.runs} runs "
        f"(min {min(r['parse_s'] for r in runs):.3f}, max {max(r['parse_s'] for r in runs):.3f}; "
        f"airflow import {statistics.median(r['import_s'] for r in runs):.2f} s): "
        f"{verdict} ({BUDGET_S:.1f} s)"
    )
    if bad:
        print(f"dag parse: {len(bad)} run(s) with import errors or missing DAGs")
    return 1 if bad or (args.strict and parse > BUDGET_S) else 0


if __name__ == "__main__":
    raise SystemExit(main())
