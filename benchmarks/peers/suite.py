"""The validation suite every peer implements, and the one JSON line each prints.

Semantics (the same in every tool; benchmarks/README.md):
  schema        number of columns whose name or logical type differs from EXPECTED
  not_null:c    rows where c is NULL (NaN counts as missing for floats)
  range:c       rows outside [lo, hi]; NULL and NaN are ignored
  unique:c      rows whose non-NULL value occurs more than once (every copy counts)
  ttest:c       Welch two-sample t-test, current minus reference, on non-NULL, non-NaN values
  anova:c       classic one-way ANOVA F of c across the 7 UTC days of current plus the reference
p-values come from scipy.special (the same functions scipy.stats calls, without its 1 s import).
"""

from __future__ import annotations

import json
import sys
import time

from scipy.special import fdtrc, stdtr

T0 = time.perf_counter()

EXPECTED = {
    "event_id": "int64",
    "ts": "timestamp",
    "user_age": "float64",
    "country": "string",
    "device": "string",
    "latency_ms": "float64",
    "amount": "float64",
    "score": "float64",
    "label": "int64",
    "f1": "float64",
    "f2": "float64",
    "f3": "float64",
}
NOT_NULL = ("event_id", "ts", "country", "device", "latency_ms", "amount")
FLOATS = frozenset(c for c, t in EXPECTED.items() if t == "float64")
RANGES = {
    "user_age": (0.0, 130.0),
    "score": (0.0, 1.0),
    "latency_ms": (0.0, None),
    "amount": (0.0, None),
}
UNIQUE = "event_id"
TTEST = ("latency_ms", "amount", "score")
ANOVA = "latency_ms"
DAY_US = 86_400 * 1_000_000


def check_names() -> list[str]:
    return (
        ["schema"]
        + [f"not_null:{c}" for c in NOT_NULL]
        + [f"range:{c}" for c in RANGES]
        + [f"unique:{UNIQUE}"]
    )


def test_names() -> list[str]:
    return [f"ttest:{c}" for c in TTEST] + [f"anova:{ANOVA}"]


def welch(n1: float, m1: float, v1: float, n2: float, m2: float, v2: float) -> tuple[float, float]:
    """Welch's t (sample 1 minus sample 2) and its two-sided p-value."""
    a, b = v1 / n1, v2 / n2
    t = (m1 - m2) / (a + b) ** 0.5
    df = (a + b) ** 2 / (a * a / (n1 - 1) + b * b / (n2 - 1))
    return float(t), float(2.0 * stdtr(df, -abs(t)))


def anova(groups: list[tuple[float, float, float]]) -> tuple[float, float]:
    """Classic one-way ANOVA F and p from (n, mean, sample variance) per group."""
    k = len(groups)
    total = sum(n for n, _, _ in groups)
    grand = sum(n * m for n, m, _ in groups) / total
    between = sum(n * (m - grand) ** 2 for n, m, _ in groups)
    within = sum((n - 1) * v for n, _, v in groups)
    f = (between / (k - 1)) / (within / (total - k))
    return float(f), float(fdtrc(k - 1, total - k, f))


def args() -> tuple[str, str, int]:
    """``DATA N``: the data directory and the row count; returns (current, reference, n)."""
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} DATA_DIR N")
    from pathlib import Path

    n = int(float(sys.argv[2]))
    exp = len(str(n)) - 1
    tag = f"{n / 10**exp:g}e{exp}"
    data = Path(sys.argv[1])
    return str(data / f"current_{tag}.parquet"), str(data / f"reference_{tag}.parquet"), n


def emit(tool: str, read_validate_s: float, failures: dict, tests: dict, **extra: object) -> None:
    """Print the one line the harness reads: ``RESULT {json}``."""
    out = {
        "tool": tool,
        "read_validate_s": round(read_validate_s, 4),
        "process_s": round(time.perf_counter() - T0, 4),
        "failures": {k: int(failures[k]) for k in check_names()},
        "tests": {k: [float(tests[k][0]), float(tests[k][1])] for k in test_names()},
        **extra,
    }
    print("RESULT " + json.dumps(out), flush=True)
