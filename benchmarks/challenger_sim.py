"""False alarms and power of Challenger, by simulation through the product's decision code
(issue 20 item 4, ADR 0134).

Every night draws one judged period of paired predictions and judges it with
``datavigil.checks.prediction.shadow.accuracy`` / ``.auc`` (what Challenger.results calls after
the engine's counts and paired scores): the same Newcombe / DeLong intervals and the same
LabelQuality verdict.

* accuracy: the paired 2x2 table drawn as a multinomial of n pairs (each model right with
  probability ``p``, the two rights correlated by ``rho``: the same law as drawing each pair);
* auc: binormal scores y * delta + common + own noise (``rho``: the common share of the noise
  variance), both models with the same delta under the null.

Calibration (null: the two models equally good) judges with min_effect 0, so that a fail is
exactly "the CI's lower end of the drop is above 0", the one-sided test at alpha: its rate
should be within [0.8, 1.2] x alpha. The gated column judges with the default min_effect
(0.02), which can only lower it. Power: the challenger worse by 1.5 x min_effect (accuracy
0.03 lower; AUC 0.03 lower), judged with the default min_effect: the share of nights that fail.

    python benchmarks/challenger_sim.py [--nights 4000] [--metric all|accuracy|auc] [--out FILE]
        [--quick] [--null-only] [--sizes N ...]

(AUC cells: at most 1,000 nights, 400 at 3,000 pairs, 200 at 10,000: DeLong's cost.)
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from datavigil.checks.prediction import shadow

OUT = Path(__file__).parent / "results" / "challenger_grid.md"
ALPHA = 0.05
MIN_EFFECT = 0.02
SIZES = (100, 300, 1000, 3000, 10_000)


def paired(level: float = 1 - ALPHA) -> shadow.Paired:
    return shadow.Paired("v1", "v2", "2013-03-09", "2013-03-09", level, "challenger")


def table_probs(p1: float, p2: float, rho: float) -> list[float]:
    """P(both right), P(only 1 right), P(only 2 right), P(both wrong) with the correlation
    ``rho`` of the two rights (clipped to a valid table)."""
    both = p1 * p2 + rho * math.sqrt(p1 * (1 - p1) * p2 * (1 - p2))
    both = min(max(both, max(0.0, p1 + p2 - 1)), min(p1, p2))
    return [both, p1 - both, p2 - both, 1 - p1 - p2 + both]


def accuracy_night(rng: Any, n: int, probs: list[float], min_effect: float) -> str:
    p = paired()
    p.keys = shadow.Keys(paired=n, predicted=n, agree=0, table=list(rng.multinomial(n, probs)))
    return shadow.accuracy(p, min_effect).status.value


def auc_night(rng: Any, n: int, deltas: tuple[float, float], rho: float, min_effect: float) -> str:
    y = rng.random(n) < 0.4
    common = math.sqrt(rho) * rng.normal(size=n)
    s1 = deltas[0] * y + common + math.sqrt(1 - rho) * rng.normal(size=n)
    s2 = deltas[1] * y + common + math.sqrt(1 - rho) * rng.normal(size=n)
    labelled = np.ones(n, dtype=bool)
    p = paired()
    p.keys = shadow.Keys(paired=n)
    p.scores = shadow.Scores(s1, s2, labelled, y)
    return shadow.auc(p, min_effect).status.value


def delta_for(auc: float) -> float:
    """The binormal separation (unit-variance noise) whose AUC is ``auc``: Phi(delta / sqrt 2)."""
    from scipy import stats

    return float(stats.norm.ppf(auc) * math.sqrt(2))


def rate(statuses: list[str], status: str = "fail") -> float:
    return sum(s == status for s in statuses) / len(statuses)


def cells(quick: bool, only: str = "all") -> list[dict[str, Any]]:
    sizes = SIZES[:3] if quick else SIZES
    out = []
    for metric, base in (("accuracy", 0.8), ("accuracy", 0.95), ("auc", 0.8), ("auc", 0.9)):
        if only not in ("all", metric):
            continue
        for rho in (0.3, 0.7):
            for n in sizes:
                out.append({"metric": metric, "base": base, "rho": rho, "n": n})
    return out


def run_cell(cell: dict[str, Any], nights: int, seed: int, null_only: bool = False) -> dict:
    rng = np.random.default_rng(seed)
    metric, base, rho, n = cell["metric"], cell["base"], cell["rho"], cell["n"]
    worse = base - 1.5 * MIN_EFFECT
    if metric == "accuracy":
        null_p, alt_p = table_probs(base, base, rho), table_probs(base, worse, rho)

        def night(alt: bool, eff: float) -> str:
            return accuracy_night(rng, n, alt_p if alt else null_p, eff)
    else:
        d0, d1 = delta_for(base), delta_for(worse)
        if not null_only:  # DeLong's cost; --null-only runs every night asked
            nights = min(nights, 1000 if n <= 1000 else 400 if n <= 3000 else 200)

        def night(alt: bool, eff: float) -> str:
            return auc_night(rng, n, (d0, d1 if alt else d0), rho, eff)

    t0 = time.monotonic()
    calib = [night(False, 0.0) for _ in range(nights)]
    out = {**cell, "nights": nights, "fail0": rate(calib), "gated": None, "power": None,
           "inconclusive": None}  # fmt: skip
    if not null_only:
        gated = [night(False, MIN_EFFECT) for _ in range(nights)]
        power = [night(True, MIN_EFFECT) for _ in range(nights)]
        out.update(gated=rate(gated), power=rate(power), inconclusive=rate(power, "inconclusive"))
    return {**out, "seconds": time.monotonic() - t0}


def fmt(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def band(value: float, nights: int) -> str:
    """ok: within [0.8, 1.2] x alpha; ~ok: outside it but within 2 Monte Carlo SEs; else MISS."""
    lo, hi = 0.8 * ALPHA, 1.2 * ALPHA
    if lo <= value <= hi:
        return "ok"
    se = math.sqrt(ALPHA * (1 - ALPHA) / nights)
    return "~ok" if lo - 2 * se <= value <= hi + 2 * se else "MISS"


def report(rows: list[dict[str, Any]], command: str) -> str:
    out = [
        "# Challenger: false alarms and power (benchmarks/challenger_sim.py)",
        "",
        f"`{command}`. alpha {ALPHA}, min_effect {MIN_EFFECT} (power: the challenger worse by "
        f"{1.5 * MIN_EFFECT:g}). Null: the two models equally good; `fail @ min_effect 0` is the "
        "one-sided test at alpha (target [0.8, 1.2] x alpha = [0.04, 0.06]).",
        "",
        "| metric | champion | rho | pairs | nights | fail @ min_effect 0 | | "
        "fail @ 0.02 (null) | power (fail) | inconclusive |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['metric']} | {r['base']} | {r['rho']} | {r['n']} | {r['nights']} | "
            f"{r['fail0']:.4f} | {band(r['fail0'], r['nights'])} | {fmt(r['gated'], 4)} | "
            f"{fmt(r['power'], 3)} | {fmt(r['inconclusive'], 3)} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nights", type=int, default=4000)
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--metric", choices=("all", "accuracy", "auc"), default="all")
    ap.add_argument("--null-only", action="store_true", help="the calibration column only")
    ap.add_argument("--sizes", type=int, nargs="*", help="only these numbers of pairs")
    args = ap.parse_args()
    command = "python benchmarks/challenger_sim.py" + (" --quick" if args.quick else "")
    command += f" --nights {args.nights} --metric {args.metric}"
    command += (" --null-only" if args.null_only else "") + (
        f" --sizes {' '.join(map(str, args.sizes))}" if args.sizes else ""
    )
    rows = []
    for i, cell in enumerate(cells(args.quick, args.metric)):
        if args.sizes and cell["n"] not in args.sizes:
            continue
        rows.append(run_cell(cell, args.nights, 1000 + i, args.null_only))
        r = rows[-1]
        head = f"{r['metric']} {r['base']} rho {r['rho']} n {r['n']}"
        rates = f"fail0 {r['fail0']:.4f} gated {fmt(r['gated'], 4)} power {fmt(r['power'], 3)}"
        print(f"{head}: {rates} ({r['seconds']:.1f}s)", flush=True)
        args.out.write_text(report(rows, command))  # after every cell: a long run keeps its rows
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
