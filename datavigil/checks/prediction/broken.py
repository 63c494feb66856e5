"""LabelQuality and the output contract (ADR 0123): the rows that break it are left out of every
statistic, counted per kind, named in the message, kept in ``details`` and, on the judged day,
fail the metric whatever its change (a reference period's broken rows were its own nights'
failures: left out and named, not failed again).

A label that arrived before its prediction is found in Python (``contract.early_rows``), so it
is taken out here of the counts and pairs the engine computed.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

from datavigil.checks.prediction import contract
from datavigil.checks.prediction.quality import PROPORTIONS, Counts, Pairs, _is
from datavigil.core.outcome import Outcome, Status

BREAKS = {
    "proportion": (*contract.CLASS_KINDS, contract.EARLY),
    "ranked": (*contract.SCORE_KINDS, "label_class", contract.EARLY),
}
LEFT_OUT = {"proportion": ("predicted_null",), "ranked": ("score_null",)}


def broken_outcome(metric: str, inputs: Any, o: Outcome, log: Any) -> Outcome:
    """``o`` with what broke the contract: counted in details, named in the message, and a
    failure when rows of the judged day broke it."""
    d, r = inputs.day, inputs.reference
    if o.status is Status.ERROR or d is None or r is None:
        return o
    family = "proportion" if metric in PROPORTIONS else "ranked"
    named = contract.names(log)
    keys = tuple(k for k in BREAKS[family] if k in d.bad)
    bad = contract.Broken({k: d.bad[k] for k in keys}, named)
    left = contract.Broken({k: d.bad.get(k, 0) for k in LEFT_OUT[family]}, named)
    ref = contract.Broken({k: r.bad.get(k, 0) for k in keys + LEFT_OUT[family]}, named)
    details = {**o.details, "invalid": bad.counts, "left_out": left.counts,
               "reference_invalid": ref.counts}  # every kind checked, 0 included  # fmt: skip
    message = o.message + (f"; left out: {left.text()}" if left.total else "")
    message += f"; reference period, left out: {ref.text()}" if ref.of(keys).total else ""
    if not bad.total:
        return replace(o, message=message, details=details)
    head = (
        f"{metric} of {inputs.label}: the output contract is broken by {bad.total} labelled "
        f"prediction(s) ({bad.text()}), left out of the {metric}; "
    )
    return replace(
        o, status=Status.FAIL, message=head + message, failing_rows=bad.total,
        threshold="no labelled prediction breaking the output contract", details=details,
    )  # fmt: skip


def in_classes(value: Any, classes: tuple[Any, ...] | None) -> bool:
    return classes is None or any(value == c or str(value) == str(c) for c in classes)


def score_ok(score: Any, span: Any) -> bool:
    if not isinstance(score, int | float) or not math.isfinite(score):
        return False
    return span is None or span[0] <= score <= span[1]


def take_out(side: Any, early: list[dict[str, Any]], log: Any) -> None:
    """Counts ``early`` (labels before their prediction) and takes them out of the side's
    counts and pairs, where the engine had counted them."""
    side.bad[contract.EARLY] = len(early)
    classes = log.class_values()
    for row in early:
        label, predicted = row[log.label], row.get(log.predicted)
        if not in_classes(label, classes):
            continue  # already out, as a label not among the classes
        y = _is(label, log.positive)
        if side.counts is not None and predicted is not None and in_classes(predicted, classes):
            side.counts = _minus(side.counts, _is(predicted, log.positive), y)
        if side.pairs is not None and score_ok(row.get(log.score), log.score_range):
            side.pairs = _remove(side.pairs, float(row[log.score]), y)


def _minus(c: Counts, p: bool, y: bool) -> Counts:
    if p:
        return replace(c, tp=c.tp - 1) if y else replace(c, fp=c.fp - 1)
    return replace(c, fn=c.fn - 1) if y else replace(c, tn=c.tn - 1)


def _remove(pairs: Pairs, score: float, y: bool) -> Pairs:
    import numpy as np

    hit = np.flatnonzero((pairs.scores == score) & (pairs.positive == y))
    if not len(hit):
        return pairs
    keep = np.ones(len(pairs.scores), dtype=bool)
    keep[hit[0]] = False
    return Pairs(pairs.scores[keep], pairs.positive[keep], pairs.dropped)


def rate_broken(check: Any, out: int, total: int, o: Outcome | None, r_out: int = 0) -> Outcome:
    """PositiveRate's ``o`` failed, named and counted when ``out`` predictions of the day break
    the class contract (left out of the rate); the reference's are named, not failed again."""
    col, classes = check.col("predicted"), check.log.class_values()
    named = f"predicted class not in {{{', '.join(repr(c) for c in classes or ())}}}"
    note = f"; reference period, left out: {r_out} {named}" if r_out else ""
    extra = {"invalid": {"predicted_class": out}, "reference_invalid": {"predicted_class": r_out}}
    if o is None:
        why = "no valid class on the day or no reference yet"
        o = Outcome(Status.FAIL, f"the rate is not compared ({why})", rows_checked=total)
    if not out:
        return replace(o, message=o.message + note, details={**o.details, **extra})
    head = f"{col}: {out} of {total} predictions break the output contract ({out} {named}), "
    return replace(
        o, status=Status.FAIL, message=head + "left out of the rate; " + o.message + note,
        failing_rows=out, threshold="no predicted class outside the output contract",
        details={**o.details, **extra},
    )  # fmt: skip
