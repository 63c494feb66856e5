"""Do the peers compute the suite right? A small file with known faults, through every tool.

    python benchmarks/selfcheck.py [--tools floor,duckdb,pandera]

Generates 200,000 rows into a temporary directory and adds, on top of the generator's faults
(25 NULL amounts, 40 ages out of range): a NaN and a negative value in latency_ms, a NaN in
user_age (missing, not out of range), and repeated event_ids (one key twice, one three times:
5 rows). The floor must report the known counts, and every tool must agree with the floor.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import gen
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from engine_bench import run_tool
from report import differences

N = 200_000
EXPECTED = {
    "not_null:amount": 25,
    "not_null:latency_ms": 1,
    "range:user_age": 40,
    "range:latency_ms": 1,
    "unique:event_id": 5,
    "schema": 0,
}


def tamper(path: Path) -> None:
    table = pq.read_table(path)
    ids = table["event_id"].to_numpy().copy()
    ids[10], ids[20], ids[22] = ids[11], ids[21], ids[21]
    latency = table["latency_ms"].to_numpy().copy()
    latency[5], latency[6] = np.nan, -1.0  # a real NaN (not NULL), and one out of range
    age = table["user_age"].to_numpy(zero_copy_only=False).copy()
    age[np.flatnonzero(~np.isnan(age))[0]] = np.nan  # NaN is missing, never out of range
    for name, values in (("event_id", ids), ("latency_ms", latency), ("user_age", age)):
        table = table.set_column(table.schema.get_field_index(name), name, pa.array(values))
    pq.write_table(table, path)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tools", default="floor,duckdb,pandera")
    tools = ["floor"] + [t for t in ap.parse_args(argv).tools.split(",") if t and t != "floor"]
    with tempfile.TemporaryDirectory() as tmp:
        cur, _ = gen.ensure(N, Path(tmp), quiet=True)
        tamper(cur)
        recs = [run_tool(t, Path(tmp), N) for t in tools]
    floor, problems = recs[0], []
    if "error" in floor:
        problems.append(f"floor: {floor['error']}")
    else:
        for key, want in EXPECTED.items():
            if floor["failures"][key] != want:
                problems.append(f"floor {key}: {floor['failures'][key]} (expected {want})")
        for rec in recs[1:]:
            if "error" in rec:
                problems.append(f"{rec['tool']}: {rec['error']}")
            else:
                problems += [f"DISAGREE {rec['tool']}: {d}" for d in differences(rec, floor)]
    for line in problems:
        print(line)
    print(
        f"selfcheck: {len(tools)} tools, {'ok' if not problems else f'{len(problems)} problem(s)'}"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
