"""How often the skew rule (ADR 0133, 0144) withholds the verdict on normal and t(3) data, for the
grid's cells whose smallest group has 11 to 200 values: no permutations, so it takes seconds
where benchmarks/distribution_sim.py takes an hour on a shared machine. The fail rates of these
cells are the grid's before ADR 0144 less at most this share (the procedure is otherwise the
same: the group-size rule starts at 10 values).

    python -m benchmarks.skew_rule_share [--nights 2000] [--seed 20260109]
"""

from __future__ import annotations

import argparse

import numpy as np

from benchmarks import distribution_sim as ds
from datavigil.stats import small


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=20260109)
    args = ap.parse_args()
    cells = [c for c in ds.small_cells(ds.null_grid(), 11, 200) if c.dist != "lognormal"]
    print("| cell | nights withheld by the skew rule |\n|---|---|")
    for i, cell in enumerate(cells):
        rng = np.random.default_rng(args.seed + i)
        nights = ds.numeric_nights(cell, rng, args.nights)
        hit = sum(
            small.skewed([np.asarray(raw[g]) for g in groups], list(groups)) is not None
            for groups, raw in nights
        )
        print(f"| {ds.describe(cell)} | {hit / args.nights:.4f} |", flush=True)


if __name__ == "__main__":
    main()
