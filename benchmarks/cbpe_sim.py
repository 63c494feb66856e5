"""Coverage, false alarms and power of EstimatedQuality (CBPE), by simulation through the
product's decision code (issue 20 item 3, ADR 0137).

Every night draws a reference period (n_ref labelled predictions) and a judged period (n
predictions; their labels drawn too, only to measure coverage), and judges them with
``datavigil.checks.prediction.estimated_verdict.judge``, what EstimatedQuality.results calls
after the engine's samples: the same calibration gate, CBPE estimate and verdict.

* scores: Beta(2, 2) on the reference; labels Bernoulli(p) (calibrated) or Bernoulli(0.5 +
  0.6 (p - 0.5)) (overconfident: binned ECE 0.075, above the default max_ece 0.05);
* coverage: the share of nights whose estimate's interval (95%) holds the judged period's
  realized value (the labels it will get);
* false alarms (null: the judged scores drawn like the reference's, calibrated): judged with
  min_effect 0, so that a fail is exactly "the CI's lower end of the drop is above 0", the
  one-sided test at alpha 0.05; the gated column with the default min_effect 0.05;
* power: judged scores Beta(a, a) whose expected accuracy is 1.5 x min_effect (0.075) lower
  (a found by bisection; calibrated: a covariate shift towards 0.5), default min_effect;
* calibration: the share of nights whose reference is shown calibrated / miscalibrated, and
  whether the ECE interval holds the true binned ECE.

    python benchmarks/cbpe_sim.py [--nights 1000] [--quick] [--out FILE]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np

from datavigil.checks.prediction.estimated_verdict import Settings, Sides, judge
from datavigil.stats import cbpe

OUT = Path(__file__).parent / "results" / "cbpe_grid.md"
ALPHA, MIN_EFFECT, BINS = 0.05, 0.05, 10
SIZES = (300, 1000, 3000, 10_000)
REF_SIZES = (3000, 10_000)  # the error-rate grid; calibration also at 1,000
CAL_SIZES = (1000, 3000, 10_000)


def expected_accuracy(a: float) -> float:
    """E max(p, 1 - p) for p ~ Beta(a, a), by quadrature."""
    from scipy import integrate, stats

    return float(integrate.quad(lambda p: max(p, 1 - p) * stats.beta.pdf(p, a, a), 0, 1)[0])


def shifted_a(drop: float) -> float:
    target = expected_accuracy(2.0) - drop
    lo, hi = 2.0, 200.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if expected_accuracy(mid) > target else (lo, mid)
    return (lo + hi) / 2


def truth(p: Any, miscalibrated: bool) -> Any:
    return 0.5 + 0.6 * (p - 0.5) if miscalibrated else p


def night(rng: Any, n: int, n_ref: int, a: float, min_effect: float, bad: bool = False) -> dict:
    ref = rng.beta(2, 2, n_ref)
    ref_y = rng.random(n_ref) < truth(ref, bad)
    cur = rng.beta(a, a, n)
    cur_y = rng.random(n) < cur
    sides = Sides(cur, ref, ref_y, "judged", "reference")
    s = Settings(0.5, min_effect, BINS, 0.05, 1 - ALPHA)
    out: dict[str, Any] = {}
    for metric in ("accuracy", "auc"):
        o = judge(metric, sides, s)
        out[metric] = o.status.value
        d = o.details
        real = (
            cbpe.realized_accuracy(cur, cur_y)
            if metric == "accuracy"
            else _realized_auc(cur, cur_y)
        )
        out[f"{metric}_covered"] = d["ci"][0] <= real <= d["ci"][1]
        out["state"] = d["calibration"]["state"]
        out["ece_ci"] = d["calibration"]["ece_ci"]
    return out


def _realized_auc(s: Any, y: Any) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, s))


def true_binned_ece(miscalibrated: bool, draws: int = 2_000_000) -> float:
    rng = np.random.default_rng(0)
    p = rng.beta(2, 2, draws)
    idx = np.minimum((p * BINS).astype(int), BINS - 1)
    gap = truth(p, miscalibrated) - p
    w = np.bincount(idx, minlength=BINS) / draws
    mean_gap = np.bincount(idx, weights=gap, minlength=BINS) / np.maximum(
        np.bincount(idx, minlength=BINS), 1
    )
    return float(np.sum(w * np.abs(mean_gap)))


def rate(rows: list[dict], key: str, value: Any = True, shown: bool = False) -> float:
    """The share of ``rows`` whose ``key`` is ``value``; ``shown``: among the nights whose
    reference was shown calibrated (the nights the test itself judged)."""
    if shown:
        rows = [r for r in rows if r["state"] == "calibrated"]
    return sum(r[key] == value for r in rows) / len(rows) if rows else float("nan")


def cell(null: list[dict], gated: list[dict], power: list[dict]) -> list[str]:
    out = [f"{rate(null, 'accuracy_covered'):.3f}", f"{rate(null, 'auc_covered'):.3f}"]
    for metric in ("accuracy", "auc"):
        out.append(f"{rate(null, metric, 'fail', True):.4f} ({rate(null, metric, 'fail'):.4f})")
    out.append(f"{rate(gated, 'accuracy', 'fail'):.4f} / {rate(gated, 'auc', 'fail'):.4f}")
    for metric in ("accuracy", "auc"):
        out.append(f"{rate(power, metric, 'fail', True):.3f} ({rate(power, metric, 'fail'):.3f})")
    return [*out, f"{rate(null, 'state', 'calibrated'):.3f}"]


def grid(nights: int, sizes: tuple[int, ...], ref_sizes: tuple[int, ...]) -> list[str]:
    a_power = shifted_a(1.5 * MIN_EFFECT)
    auc_drop = _auc_drop(a_power)
    lines = [
        f"power shift: judged scores Beta({a_power:.3f}, {a_power:.3f}): expected accuracy "
        f"{1.5 * MIN_EFFECT:.3f} lower, expected AUC {auc_drop:.3f} lower; {nights} nights a "
        "cell, alpha 0.05, max_ece 0.05, 10 bins",
        "",
        "false alarms and power: among the nights whose reference was shown calibrated (among "
        "all nights: the gate makes the others inconclusive)",
        "",
        "| n_ref | n | acc. coverage | AUC coverage | false alarms acc. (min_effect 0) | "
        "false alarms AUC (min_effect 0) | all nights, min_effect 0.05: acc. / AUC | power acc. "
        "| power AUC | calibrated shown |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for n_ref in ref_sizes:
        for n in sizes:
            rng = np.random.default_rng(1000 * n_ref + n)
            null = [night(rng, n, n_ref, 2.0, 0.0) for _ in range(nights)]
            gated = [night(rng, n, n_ref, 2.0, MIN_EFFECT) for _ in range(nights)]
            power = [night(rng, n, n_ref, a_power, MIN_EFFECT) for _ in range(nights)]
            lines.append(f"| {n_ref} | {n} | " + " | ".join(cell(null, gated, power)) + " |")
            print(lines[-1], flush=True)
    return lines


def _auc_drop(a: float, draws: int = 400_000) -> float:
    rng = np.random.default_rng(1)
    before = cbpe.auc(rng.beta(2, 2, draws))
    after = cbpe.auc(rng.beta(a, a, draws))
    assert before is not None and after is not None
    return before.value - after.value


def calibration_grid(nights: int, ref_sizes: tuple[int, ...]) -> list[str]:
    lines = [
        "",
        "| reference | n_ref | shown calibrated | shown miscalibrated | unknown | "
        "ECE interval holds the true binned ECE |",
        "|---|---|---|---|---|---|",
    ]
    for bad in (False, True):
        true = true_binned_ece(bad)
        for n_ref in ref_sizes:
            rng = np.random.default_rng(7 + n_ref + bad)
            rows = [night(rng, 300, n_ref, 2.0, MIN_EFFECT, bad) for _ in range(nights)]
            held = sum(r["ece_ci"][0] <= true <= r["ece_ci"][1] for r in rows) / nights
            kind = f"overconfident (ECE {true:.3f})" if bad else f"calibrated (ECE {true:.3f})"
            lines.append(
                f"| {kind} | {n_ref} | {rate(rows, 'state', 'calibrated'):.3f} | "
                f"{rate(rows, 'state', 'miscalibrated'):.3f} | {rate(rows, 'state', 'unknown'):.3f}"
                f" | {held:.3f} |"
            )
            print(lines[-1], flush=True)
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nights", type=int, default=1000)
    ap.add_argument("--quick", action="store_true", help="200 nights, the smallest sizes")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    nights = 200 if args.quick else args.nights
    sizes, refs = (SIZES[:2], REF_SIZES[:1]) if args.quick else (SIZES, REF_SIZES)
    t0 = time.perf_counter()
    lines = grid(nights, sizes, refs) + calibration_grid(nights, refs if args.quick else CAL_SIZES)
    took = time.perf_counter() - t0
    head = "# EstimatedQuality (CBPE) by simulation\n\n`python benchmarks/cbpe_sim.py "
    head += f"--nights {nights}{' --quick' if args.quick else ''}` ({took:.0f} s)\n\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(head + "\n".join(lines) + "\n")
    print(f"written {args.out}")


if __name__ == "__main__":
    main()
