"""LabelQuality by slice (issue 20 item 2, ADR 0132): ``by="carrier"`` judges each value of a
column (a slice) against the same slice of the reference, every metric one Holm family across
the slices, so that a model that holds its overall accuracy while it fails one carrier fails.

The labelled rows of both sides are read as one bounded engine Sample (``by``, the label, the
predicted class and/or the score; rows within the output contract), counted per slice here.
A slice is judged when it has at least ``min_slice`` labelled rows on both sides; the others
are named, never judged. A slice fails when its worsening is at least ``min_effect`` and its
Holm-adjusted one-sided p-value (datavigil.stats.worsening, the p-value of the same test the
whole's CI makes) is below alpha. Pure here: rows in, a ``Family`` out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datavigil.checks.prediction.quality import (
    LOWER_IS_BETTER,
    PROPORTIONS,
    Counts,
    Pairs,
    _is,
    estimate,
)
from datavigil.core.outcome import Outcome, Status
from datavigil.stats.multitest import holm
from datavigil.stats.worsening import worse_p

NULL_SLICE = "(NULL)"


@dataclass
class Slice:
    counts: Counts | None
    pairs: Pairs | None
    labelled: int


def slices_of(rows: list[tuple[Any, ...]], positive: Any, proportions: bool, ranked: bool) -> dict:
    """Slice value -> Slice from sampled rows (by, label[, predicted][, score])."""
    import numpy as np

    groups: dict[str, list[tuple[Any, ...]]] = {}
    for r in rows:
        groups.setdefault(NULL_SLICE if r[0] is None else str(r[0]), []).append(r)
    out = {}
    for key, got in groups.items():
        y = [_is(r[1], positive) for r in got]
        counts = pairs = None
        if proportions:
            p = [_is(r[2], positive) for r in got]
            tp = sum(a and b for a, b in zip(p, y, strict=True))
            fp, fn = sum(p) - tp, sum(y) - tp
            counts = Counts(tp, fp, len(got) - tp - fp - fn, fn)
        if ranked:
            s = np.asarray([r[-1] for r in got], dtype=np.float64)
            pairs = Pairs(s, np.asarray(y, dtype=bool))
        out[key] = Slice(counts, pairs, len(got))
    return out


@dataclass
class Family:
    """One metric's verdict over the slices."""

    metric: str
    judged: list[dict[str, Any]] = field(default_factory=list)  # per judged slice
    small: list[str] = field(default_factory=list)  # below min_slice on a side
    undefined: list[str] = field(default_factory=list)  # the metric is undefined on a side

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [s for s in self.judged if s["verdict"] == "fail"]

    def worst(self, count: int = 3) -> list[dict[str, Any]]:
        """The failing slices (most significant first), else the most worsened ones."""
        if self.failed:
            return sorted(self.failed, key=lambda s: s["p_adjusted"])[:count]
        return sorted(self.judged, key=lambda s: -s["worse"])[:count]


def judge_slices(
    metric: str, day: dict, ref: dict, level: float, min_effect: float, min_slice: int
) -> Family:
    """Each slice of ``day`` with ``min_slice`` labelled rows on both sides against the same
    slice of ``ref``; Holm across the judged slices at alpha = 1 - ``level``."""
    fam = Family(metric)
    for key in sorted(day):
        cur_s, ref_s = day[key], ref.get(key)
        if ref_s is None or min(cur_s.labelled, ref_s.labelled) < min_slice:
            fam.small.append(key)
            continue
        cur, _ = estimate(metric, cur_s.counts, cur_s.pairs, level)
        base, _ = estimate(metric, ref_s.counts, ref_s.pairs, level)
        if cur is None or base is None:
            fam.undefined.append(key)
            continue
        lower = metric in LOWER_IS_BETTER
        worse = cur.value - base.value if lower else base.value - cur.value
        p = worse_p(cur, base, metric in PROPORTIONS, lower)
        fam.judged.append({"slice": key, "value": cur.value, "n": cur.n, "worse": worse,
                           "reference_value": base.value, "reference_n": base.n,
                           "p": p})  # fmt: skip
    alpha = 1 - level
    for s, p_adj in zip(fam.judged, holm([s["p"] for s in fam.judged]), strict=True):
        s["p_adjusted"] = p_adj
        s["verdict"] = "fail" if p_adj < alpha and s["worse"] >= min_effect - 1e-12 else "pass"
    return fam


def describe(fam: Family, by: str, alpha: float, min_slice: int) -> str:
    """The family in one sentence: how many slices were judged and failed, the worst named."""
    k, bad = len(fam.judged), fam.failed
    head = f"slices by {by}: {len(bad)} of {k} fail (Holm over {k} at alpha {alpha:g})"
    word = "drop" if fam.metric not in LOWER_IS_BETTER else "rise"
    named = "; ".join(
        f"{s['slice']} {s['value']:.4g} (n={s['n']}) vs {s['reference_value']:.4g}: {word} "
        f"{s['worse']:.3g}, Holm p {s['p_adjusted']:.3g}"
        for s in fam.worst()
    )
    out = head + (f": {'worst' if bad else 'most worsened'}: {named}" if named else "")
    if fam.small:
        out += f"; {len(fam.small)} skipped, below min_slice {min_slice} ({_names(fam.small)})"
    if fam.undefined:
        out += f"; {len(fam.undefined)} undefined ({_names(fam.undefined)})"
    return out


def _names(keys: list[str], limit: int = 5) -> str:
    more = f" and {len(keys) - limit} more" if len(keys) > limit else ""
    return ", ".join(keys[:limit]) + more


def slice_outcome(metric: str, inputs: Any, check: Any) -> Outcome:
    """The row ``<name>.<metric>.by_<column>``: fail when a slice fails (Holm across the judged
    slices), pass when every judged slice passes, skipped when no slice is large enough."""
    d, r, by = inputs.day, inputs.reference, check.by
    head = f"{metric} of {inputs.label} vs reference {inputs.ref_label}"
    if d.slices is None or r.slices is None:
        return Outcome(Status.ERROR, f"{head}: {d.problem or r.problem}")
    alpha = 1 - inputs.level
    fam = judge_slices(metric, d.slices, r.slices, inputs.level, check.min_effect, check.min_slice)
    details = {**inputs.common(), "metric": metric, "by": by, "min_slice": check.min_slice,
               "min_effect": check.min_effect, "alpha": alpha, "slices": fam.judged,
               "skipped_slices": fam.small, "undefined_slices": fam.undefined,
               "family_size": len(fam.judged), "method": "per slice: the whole's test; Holm "
               "across the judged slices"}  # fmt: skip
    message = f"{head}: {describe(fam, by, alpha, check.min_slice)}"
    if not fam.judged:
        status = Status.SKIPPED
    else:
        status = Status.FAIL if fam.failed else Status.PASS
    return Outcome(
        status, message, observed_value=len(fam.failed),
        threshold=f"each slice: drop < {check.min_effect:g} or Holm p >= {alpha:g}",
        rows_checked=sum(s["n"] for s in fam.judged), details=details,
    )  # fmt: skip
