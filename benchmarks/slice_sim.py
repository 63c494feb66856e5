"""False-alarm rate and power of LabelQuality's slices (issue 20 item 2, ADR 0132), by
simulation through the product's decision code.

Each night draws, for every slice, the labelled predictions of the judged period and of the
reference (the same accuracy and AUC on both sides under the null), builds the per-slice
sufficient statistics the check reads (``slices.Slice``: confusion counts; (score, label)
pairs for AUC) and calls ``datavigil.checks.prediction.slices.judge_slices``: per slice the
whole's one-sided test (``stats.worsening.worse_p``), Holm across the judged slices, a fail when
the Holm p is below alpha and the drop is at least ``min_effect``. A night is a false alarm when
any slice fails (the family-wise rate). Calibration judges with min_effect 0 (a fail is then
exactly "Holm p < alpha"); the gated column uses the default min_effect 0.05, which can only
lower it. Power: one slice's accuracy (AUC) drops by 1.5 x 0.05, the others unchanged.

    python benchmarks/slice_sim.py [--nights 2000] [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from datavigil.checks.prediction.quality import Counts, Pairs
from datavigil.checks.prediction.slices import Slice, judge_slices

OUT = Path(__file__).parent / "results" / "slice_grid.md"
ALPHA, MIN_EFFECT = 0.05, 0.05
BASE_RATE = 0.3  # share of positive labels


@dataclass(frozen=True)
class Cell:
    metric: str  # accuracy | auc
    k: int  # slices
    n: int  # labelled rows per slice in the judged period
    ref: int  # labelled rows per slice in the reference
    quality: float  # accuracy, or AUC, of every slice in the reference
    drop: float = 0.0  # of the first slice in the judged period


def _counts(rng: np.random.Generator, n: int, acc: float) -> Counts:
    pos = rng.binomial(n, BASE_RATE)
    right_pos, right_neg = rng.binomial(pos, acc), rng.binomial(n - pos, acc)
    return Counts(right_pos, n - pos - right_neg, right_neg, pos - right_pos)


def _pairs(rng: np.random.Generator, n: int, auc: float) -> Pairs:
    """Binormal scores with AUC ``auc``: positives N(d, 1), negatives N(0, 1)."""
    from scipy import stats

    d = np.sqrt(2) * stats.norm.ppf(auc)
    y = rng.random(n) < BASE_RATE
    return Pairs(rng.standard_normal(n) + d * y, y)


def _side(rng: np.random.Generator, cell: Cell, n: int, drop: float) -> dict[str, Slice]:
    out = {}
    for i in range(cell.k):
        q = cell.quality - (drop if i == 0 else 0.0)
        if cell.metric == "accuracy":
            out[f"s{i}"] = Slice(_counts(rng, n, q), None, n)
        else:
            out[f"s{i}"] = Slice(None, _pairs(rng, n, q), n)
    return out


def run_cell(cell: Cell, nights: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    got = {"p05": 0, "gated": 0}
    for _ in range(nights):
        cur, ref = _side(rng, cell, cell.n, cell.drop), _side(rng, cell, cell.ref, 0.0)
        for key, effect in (("p05", 0.0), ("gated", MIN_EFFECT)):
            fam = judge_slices(cell.metric, cur, ref, 1 - ALPHA, effect, min_slice=1)
            got[key] += bool(fam.failed)
    return {"cell": cell, "nights": nights, **{k: v / nights for k, v in got.items()}}


def grid(quick: bool) -> list[Cell]:
    sizes = ((100, 400), (300, 1200), (1000, 4000)) if not quick else ((300, 1200),)
    cells = [Cell("accuracy", k, n, r, q) for k in (1, 6, 20) for n, r in sizes
             for q in (0.75, 0.95)]  # fmt: skip
    cells += [Cell("auc", k, n, r, 0.75) for k in (1, 6) for n, r in sizes]
    power = [Cell("accuracy", 6, n, r, 0.75, 1.5 * MIN_EFFECT) for n, r in sizes]
    power += [Cell("auc", 6, n, r, 0.75, 1.5 * MIN_EFFECT) for n, r in sizes]
    return cells + power


def table(rows: list[dict]) -> str:
    out = [
        "| metric | slices | n per slice (ref) | quality | drop of one slice | nights | "
        "fail, min_effect 0 | fail, min_effect 0.05 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        c = r["cell"]
        out.append(f"| {c.metric} | {c.k} | {c.n} ({c.ref}) | {c.quality:g} | {c.drop:g} | "
                   f"{r['nights']} | {r['p05']:.4f} | {r['gated']:.4f} |")  # fmt: skip
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=2000)
    ap.add_argument("--quick", action="store_true", help="one size, 300 nights")
    ap.add_argument("--out", type=Path, default=OUT)
    a = ap.parse_args()
    nights = 300 if a.quick else a.nights
    rows, t0 = [], time.monotonic()
    for i, cell in enumerate(grid(a.quick)):
        rows.append(run_cell(cell, nights, seed=20_261_207 + i))
        print(f"{i + 1} cells, {time.monotonic() - t0:.0f} s", flush=True)
    text = table(rows)
    a.out.write_text(
        f"Slices of LabelQuality at alpha {ALPHA} (benchmarks/slice_sim.py, "
        f"{nights} nights a cell; seed 20261207 + cell)\n\n{text}"
    )
    print(text)


if __name__ == "__main__":
    main()
