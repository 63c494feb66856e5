"""The output contract of a prediction log (issue 17, item 4; ADR 0123): which rows break it,
as engine predicates, and how a check names what it counted.

Kinds: a NaN, +inf or -inf score; a finite score outside ``score_range``; a predicted class or
a label not among ``classes``; a label that arrived before its prediction (``label_at <
predicted_at``; the engine has no column-to-column comparison, so the candidates, labels that
arrived before the end of the day scanned, are read as a bounded Sample and compared here).
NULL is missing, not invalid: it is counted as left out, apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from datavigil.engine import metrics as m

SCORE_KINDS = ("score_nan", "score_posinf", "score_neginf", "score_out_of_range")
CLASS_KINDS = ("predicted_class", "label_class")
EARLY = "label_before_prediction"


def kinds(log: Any, uses: tuple[str, ...]) -> dict[str, Any]:
    """kind -> the predicate of a row that breaks the contract, for the columns in ``uses``
    (score, predicted, label)."""
    out: dict[str, Any] = {}
    if "score" in uses and log.score is not None:
        s = log.score
        out["score_nan"] = m.IsNan(s)
        out["score_posinf"] = m.Cmp(s, "==", math.inf)
        out["score_neginf"] = m.Cmp(s, "==", -math.inf)
        if log.score_range is not None:
            lo, hi = (float(v) for v in log.score_range)
            finite = m.And((m.Cmp(s, "!=", math.inf), m.Cmp(s, "!=", -math.inf)))
            outside = m.Or((m.Cmp(s, "<", lo), m.Cmp(s, ">", hi)))
            out["score_out_of_range"] = m.And((outside, finite))
    classes = log.class_values()
    for fld, kind in (("predicted", "predicted_class"), ("label", "label_class")):
        if classes is not None and fld in uses and getattr(log, fld) is not None:
            out[kind] = m.IsIn(getattr(log, fld), classes, negate=True)
    return out


def valid(preds: dict[str, Any], keys: tuple[str, ...]) -> list[Any]:
    """The predicates a row must meet to stay in a statistic: none of the ``keys`` kinds."""
    return [m.Not(preds[k]) for k in keys if k in preds]


def names(log: Any) -> dict[str, str]:
    """How a message names each kind."""
    lo, hi = log.score_range or (None, None)
    classes = log.class_values()
    shown = "{" + ", ".join(repr(c) for c in classes) + "}" if classes else ""
    return {
        "score_nan": "NaN score", "score_posinf": "+inf score", "score_neginf": "-inf score",
        "score_out_of_range": f"score outside [{lo:g}, {hi:g}]" if lo is not None else "",
        "predicted_class": f"predicted class not in {shown}",
        "label_class": f"label not in {shown}",
        EARLY: "label before its prediction", "score_null": "NULL score",
        "predicted_null": "NULL predicted class",
    }  # fmt: skip


@dataclass
class Broken:
    """Rows counted per kind (only kinds with rows kept), and how to name them."""

    counts: dict[str, int] = field(default_factory=dict)
    named: dict[str, str] = field(default_factory=dict)

    def of(self, keys: tuple[str, ...]) -> Broken:
        return Broken({k: v for k, v in self.counts.items() if k in keys and v}, self.named)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def text(self) -> str:
        return ", ".join(f"{v} {self.named[k]}" for k, v in self.counts.items() if v)


def as_time(value: Any, zone: str) -> datetime | None:
    """A timestamp value as an aware datetime (naive values are in ``zone``)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone))


def early_sample(log: Any, before: Any, zone: str, where: Any, cap: int) -> m.Sample:
    """The rows whose label arrived before ``before`` (the end of the scanned window): the
    only ones that can have arrived before their prediction."""
    cols = (log.predicted_at, log.label_at, log.predicted, log.label, log.score)
    got = tuple(c for c in cols if c is not None)
    return m.Sample(got, cap + 1, where=m.And((where, m.Before(log.label_at, before, zone))))


def early_rows(log: Any, sample: m.Sample, rows: list[Any], zone: str) -> list[dict[str, Any]]:
    """The sampled rows whose label_at is before their predicted_at, as column -> value."""
    out = []
    for row in rows:
        r = dict(zip(sample.columns, row, strict=True))
        at, seen = as_time(r[log.predicted_at], zone), as_time(r[log.label_at], zone)
        if at is not None and seen is not None and seen.astimezone(UTC) < at.astimezone(UTC):
            out.append(r)
    return out
