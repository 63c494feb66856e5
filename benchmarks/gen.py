"""Seeded generator of the benchmark data: a model-serving log (see benchmarks/README.md).

    python benchmarks/gen.py 1e6 [--data DIR]   # also 5e6, 2e7; DIR defaults to .datavigil/bench

writes ``DIR/current_<N>.parquet`` (N rows, 7 days from 2024-01-08) and
``DIR/reference_<N>.parquet`` (N/10 rows, the 7 days before), once: existing files are kept.
Rows are generated and written one 1 Mi-row row group at a time, so memory stays flat.

Injected in ``current`` only: 40 ``user_age`` values outside [0, 130] (20 below, 20 above), a
+0.05 standard-deviation shift of ``latency_ms``, 25 NULLs in ``amount`` (declared not-null).
``event_id`` is a shuffled dense range (unique), ``ts`` is sorted and spread evenly over 7 days.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA = ROOT / ".datavigil" / "bench"
SIZES = {"1e6": 1_000_000, "5e6": 5_000_000, "2e7": 20_000_000}
GROUP = 1 << 20  # rows per row group (and per generated block)
DAY_US = 86_400 * 1_000_000
CUR_START = np.datetime64("2024-01-08T00:00:00", "us")
REF_START = np.datetime64("2024-01-01T00:00:00", "us")
DAYS = 7
SEED = 20240108
COUNTRIES = (
    "US IN BR DE GB FR JP CA MX ID NG TR IT ES KR AU PL NL SE ZA".split()
)  # 20, Zipf-like weights
DEVICES = ("ios", "android", "web", "tv")
DEVICE_P = (0.4, 0.4, 0.15, 0.05)
LAT_MU, LAT_SIGMA = 4.0, 0.5
LAT_SD = math.sqrt((math.exp(LAT_SIGMA**2) - 1) * math.exp(2 * LAT_MU + LAT_SIGMA**2))

SCHEMA = pa.schema(
    [
        ("event_id", pa.int64()),
        ("ts", pa.timestamp("us")),
        ("user_age", pa.float64()),
        ("country", pa.string()),
        ("device", pa.string()),
        ("latency_ms", pa.float64()),
        ("amount", pa.float64()),
        ("score", pa.float64()),
        ("label", pa.int64()),
        ("f1", pa.float64()),
        ("f2", pa.float64()),
        ("f3", pa.float64()),
    ]
)


def tag_of(n: int) -> str:
    """1000000 -> '1e6', 200000 -> '2e5' (the file-name tag)."""
    exp = len(str(n)) - 1
    mant = n / 10**exp
    return f"{mant:g}e{exp}"


def paths(data: Path, n: int) -> tuple[Path, Path]:
    tag = tag_of(n)
    return data / f"current_{tag}.parquet", data / f"reference_{tag}.parquet"


class Faults:
    """Global row positions of the injected faults, drawn once per table."""

    def __init__(self, rng: np.random.Generator, n: int, current: bool) -> None:
        self.current = current
        picks = rng.choice(n, 65, replace=False) if current else np.empty(0, np.int64)
        self.age_low, self.age_high, self.amount_null = picks[:20], picks[20:40], picks[40:]

    def apply(self, block: dict[str, np.ndarray], lo: int, rng: np.random.Generator) -> None:
        if not self.current:
            return
        n = len(block["latency_ms"])
        block["latency_ms"] += 0.05 * LAT_SD
        for where, make in (
            (self.age_low, lambda k: -rng.uniform(1, 10, k)),
            (self.age_high, lambda k: rng.uniform(131, 300, k)),
        ):
            local = where[(where >= lo) & (where < lo + n)] - lo
            block["user_age"][local] = make(len(local))
        local = self.amount_null[(self.amount_null >= lo) & (self.amount_null < lo + n)] - lo
        block["amount"][local] = np.nan


def block_of(rng: np.random.Generator, lo: int, hi: int, n: int, start: np.datetime64) -> dict:
    """Rows [lo, hi) of an n-row table (event_id and faults are set by the caller)."""
    k = hi - lo
    pos = np.arange(lo, hi, dtype=np.float64) + rng.random(k)
    ts = start.astype(np.int64) + np.floor(pos * (DAYS * DAY_US / n)).astype(np.int64)
    age = np.clip(rng.normal(38, 14, k), 0, 130)
    age[rng.random(k) < 0.01] = np.nan
    weights = 1.0 / np.arange(1, len(COUNTRIES) + 1)
    score = rng.beta(2, 5, k)
    return {
        "ts": ts,
        "user_age": age,
        "country": rng.choice(len(COUNTRIES), k, p=weights / weights.sum()),
        "device": rng.choice(len(DEVICES), k, p=DEVICE_P),
        "latency_ms": rng.lognormal(LAT_MU, LAT_SIGMA, k),
        "amount": rng.exponential(20.0, k),
        "score": score,
        "label": (rng.random(k) < score).astype(np.int64),
        "f1": rng.normal(0, 1, k),
        "f2": rng.normal(10, 3, k),
        "f3": rng.random(k),
    }


def to_batch(block: dict, event_id: np.ndarray) -> pa.RecordBatch:
    def labels(codes: np.ndarray, names: tuple[str, ...]) -> pa.Array:
        dictionary = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), names)
        return dictionary.cast(pa.string())

    cols = {
        "event_id": pa.array(event_id),
        "ts": pa.array(block["ts"].astype("datetime64[us]")),
        "user_age": pa.array(block["user_age"], from_pandas=True),  # NaN -> NULL
        "country": labels(block["country"], COUNTRIES),
        "device": labels(block["device"], DEVICES),
        "amount": pa.array(block["amount"], from_pandas=True),
    }
    for name in ("latency_ms", "score", "label", "f1", "f2", "f3"):
        cols[name] = pa.array(block[name])
    return pa.RecordBatch.from_arrays([cols[f.name] for f in SCHEMA], schema=SCHEMA)


def write_table(path: Path, n: int, start: np.datetime64, id_base: int, current: bool) -> None:
    rng = np.random.default_rng([SEED, n, int(current)])
    event_id = id_base + rng.permutation(n).astype(np.int64)
    faults = Faults(rng, n, current)
    tmp = path.with_suffix(".tmp")
    with pq.ParquetWriter(tmp, SCHEMA, compression="snappy") as writer:
        for lo in range(0, n, GROUP):
            hi = min(n, lo + GROUP)
            block_rng = np.random.default_rng([SEED, n, int(current), lo])
            block = block_of(block_rng, lo, hi, n, start)
            faults.apply(block, lo, block_rng)
            writer.write_batch(to_batch(block, event_id[lo:hi]), row_group_size=GROUP)
    os.replace(tmp, path)


def ensure(n: int, data: Path = DEFAULT_DATA, quiet: bool = False) -> tuple[Path, Path]:
    """Both files for ``n`` rows, generated only when missing."""
    data.mkdir(parents=True, exist_ok=True)
    cur, ref = paths(data, n)
    for path, rows, start, base, current in (
        (cur, n, CUR_START, 10**12, True),
        (ref, n // 10, REF_START, 2 * 10**12, False),
    ):
        if path.exists():
            continue
        t0 = time.perf_counter()
        if not quiet:
            print(f"generating {path.name} ({rows:,} rows) ...", file=sys.stderr, flush=True)
        write_table(path, rows, start, base, current)
        if not quiet:
            size = path.stat().st_size / 2**20
            took = time.perf_counter() - t0
            print(f"  {path} {size:.0f} MiB in {took:.1f}s", file=sys.stderr, flush=True)
    return cur, ref


def parse_n(text: str) -> int:
    return SIZES.get(text, None) or int(float(text))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sizes", nargs="+", help="row counts: 1e6 5e6 2e7 (or any integer)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA, help="data directory")
    args = ap.parse_args(argv)
    for text in args.sizes:
        for path in ensure(parse_n(text), args.data):
            print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
