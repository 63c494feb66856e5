"""Categorical drift of one column against the reference snapshot (issue 9 item 7, ADR 0086,
ADR 0124).

The partition's most frequent values (engine metric Frequencies, keeping
``engine.profile.kept(top)``, 10,000 or ``top`` if larger, as the snapshot does) against the
snapshot's stored frequencies, through the chi-square test of homogeneity in
datavigil.stats.categorical: the ``top`` categories most frequent over both samples among those
counted on both sides are compared, everything else is one bucket counted on both sides, rare
categories are pooled, Cramér's V with its CI is the effect. The result carries
``power_kind="chi2"``, so it joins the run's multiplicity family and is re-judged with the
numeric tests (datavigil.stats.multitest).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from datavigil.checks.base import (
    Check,
    CheckContext,
    metric_error,
    override_problems,
    unknown_columns,
)
from datavigil.checks.reference import Prepared, prepare_reference
from datavigil.checks.windowed import window_problems
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m
from datavigil.engine.profile import kept

REST = "(beyond top)"  # the values outside the top categories, on either side
DEFAULT_MIN_EFFECT = 0.1  # Cramér's V (Cohen's "small")


def reference_counts(ref: Any, column: str) -> tuple[dict[str, int] | None, str | None]:
    """The snapshot's frequencies of ``column`` plus its ``other`` bucket, or the problem."""
    col = ref.columns.get(column)
    if col is None:
        return None, f"{ref.label} has no column '{column}'"
    if col.get("kind") != "categorical":
        return None, f"{ref.label}: column '{column}' is {col.get('kind')}, not categorical"
    if "frequencies" not in col:
        return None, f"{ref.label}: column '{column}' has no stored frequencies"
    counts = {str(k): int(v) for k, v in col["frequencies"].items()}
    if int(col.get("other") or 0) > 0:
        counts[REST] = int(col["other"])
    return counts, None


def current_counts(freq: Any) -> dict[str, int]:
    counts = {str(k): int(v) for k, v in freq.counts.items()}
    if freq.other > 0:
        counts[REST] = int(freq.other)
    return counts


def split(counts: dict[str, int]) -> tuple[dict[str, int], int]:
    """The kept values' counts, and the number of values beyond them (``REST``)."""
    return {k: v for k, v in counts.items() if k != REST}, int(counts.get(REST, 0))


def named_changes(cur: dict[str, int], ref: dict[str, int]) -> dict[str, list[str]]:
    """New and vanished categories; a category may hide in the other side's ``REST`` bucket,
    so it is only named new (vanished) when that side kept every category."""
    new = sorted(c for c in cur if c != REST and c not in ref)
    gone = sorted(c for c in ref if c != REST and c not in cur)
    return {
        "new_categories": [] if REST in ref else new,
        "vanished_categories": [] if REST in cur else gone,
        "not_in_reference_top": new if REST in ref else [],
        "not_in_current_top": gone if REST in cur else [],
    }


def merged(counts: dict[str, int], more: dict[str, int], rest: int) -> dict[str, int]:
    """``counts`` plus ``more`` and ``rest`` values beyond the kept top (into ``REST``)."""
    out = dict(counts)
    for k, v in more.items():
        out[k] = out.get(k, 0) + v
    if rest > 0:
        out[REST] = out.get(REST, 0) + rest
    return out


def _names(label: str, cats: list[str], limit: int = 10) -> str:
    more = f" and {len(cats) - limit} more" if len(cats) > limit else ""
    return f"{label} {', '.join(cats[:limit])}{more}" if cats else ""


@dataclass(frozen=True)
class CategoryShift(Check):
    """``column``: a categorical column compared with the reference snapshot's frequencies.
    ``top``: the most categories compared one by one (the most frequent over both samples);
    the rest is one bucket on both sides. ``alpha``,
    ``min_effect`` (Cramér's V; default the suite's ``category_min_effect``, 0.1),
    ``reference``: override the suite's settings (None = the suite's; a ``datavigil.Rolling``:
    the days before the window). ``window``: "28d" counts the partition day and the 27 days
    before it (datavigil.declare.rolling)."""

    column: str  # type: ignore[misc]
    top: int = 1000
    alpha: float | None = None
    min_effect: float | None = None
    reference: Any = None
    window: str | int | None = None

    check_type = "distribution.chi2"
    phase = "distribution"

    def default_name(self) -> str:
        return f"categories.{self.column}"

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        top_ok = isinstance(self.top, int) and not isinstance(self.top, bool) and self.top >= 1
        out = [] if top_ok else [f"top must be an integer >= 1, got {self.top!r}"]
        out += window_problems(self)
        return out + override_problems(self) + unknown_columns([self.column], columns)

    def prepare(self, env: Any) -> Prepared:
        prep = prepare_reference(env, self, [], kind="counts")
        if self.min_effect is None and env is not None:
            prep.min_effect = getattr(env.suite, "category_min_effect", DEFAULT_MIN_EFFECT)
        return prep

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.Frequencies(self.column, kept(self.top)), m.NullCount(self.column)]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        col, prep = self.column, ctx.prepared or Prepared(problem="no reference was prepared")
        if prep.problem:
            return prep.failed(col)
        if ctx.columns and col not in ctx.columns:
            return Outcome(Status.ERROR, f"column '{col}' is not in the partition's data")
        ref, problem = self.the_reference(prep)
        if ref is None:
            return Outcome(Status.ERROR, f"{col}: {problem}")
        bad = metric_error(values, self.metrics({}))
        if bad is not None:
            return Outcome(Status.ERROR, f"{col}: {bad.message}")
        cur = current_counts(values.get(self.metrics({})[0]))
        if prep.earlier is not None:
            cur = merged(cur, *prep.earlier)
        return self.compare(cur, ref, values, prep)

    def the_reference(self, prep: Prepared) -> tuple[dict[str, int] | None, str | None]:
        if prep.reference is not None:
            return reference_counts(prep.reference, self.column)
        if prep.ref_value is None:
            return None, "no reference was prepared"
        return merged({}, *prep.ref_value), None

    def compare(self, cur: dict[str, int], ref: dict[str, int], values: Any, prep: Prepared):
        from datavigil.stats import categorical

        nulls = int(values.get(m.NullCount(self.column)) or 0)
        (cur_kept, cur_rest), (ref_kept, ref_rest) = split(cur), split(ref)
        choice = categorical.homogeneity(
            cur_kept,
            ref_kept,
            alpha=prep.alpha,
            min_effect=prep.min_effect,
            left_out={"null": nulls},
            rest=(cur_rest, ref_rest),
            top=self.top,
        )
        named = named_changes(cur, ref)
        choice = replace(choice, extra={**choice.extra, **named})
        notes = [
            _names("new:", named["new_categories"]),
            _names("vanished:", named["vanished_categories"]),
        ]
        note = "; ".join(n for n in notes if n)
        over = "" if self.window is None else f" over {self.window}"
        headline = (
            f"{self.column}: {len(cur)} categories in {sum(cur.values())} values{over} vs "
            f"{'reference ' if prep.reference is not None else ''}"
            f"{prep.label} ({len(ref)} in {sum(ref.values())})" + (f" [{note}]" if note else "")
        )
        outcome = choice.outcome(headline, rows_checked=sum(cur.values()) + nulls)
        extra = {**prep.ref_details, "null": nulls}
        return replace(outcome, details={**outcome.details, **extra})
