"""What `datavigil init` infers from a sample of the data (docs/adr/0094): column types and
nullability, the partition column, ranges widened from the whole table's min/max, null rates per
day, candidate keys and a row-count floor. Each inference is a line of the ``Draft`` and a note
saying why; ``infer`` never reads a source (the command samples it: datavigil.cli.init_suite).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

MARGIN = 0.10  # ranges: observed min/max widened by this share of the span
PARTITION_NAME = re.compile(
    r"(^|_)(ts|time|timestamp|date|day|dt|ds|created|updated|event)($|_)|_at$"
)
KEY_NAME = re.compile(r"(^|_)(id|key|uuid)$")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Draft:
    suite: str
    source: str  # Python source of the SqlSource/FileSource
    partition: str | None = None
    start_date: str | None = None  # the first day of the data: earlier DAG runs have no tasks
    fields: list[str] = field(default_factory=list)  # model lines
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was inferred, and why

    def note(self, text: str) -> None:
        self.notes.append(text)


def _nice(value: float, up: bool) -> float | int:
    """Round outward to three significant digits (17.33 -> 17.3 down, 4983 -> 4990 up)."""
    if value == 0 or not math.isfinite(value):
        return 0
    step = 10 ** (math.floor(math.log10(abs(value))) - 2)
    rounded = (math.ceil if up else math.floor)(value / step) * step
    return int(rounded) if float(rounded).is_integer() else round(rounded, 10)


def _kind(series: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        non_null = series.dropna()
        return "int" if len(non_null) and (non_null % 1 == 0).all() else "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "str"


def _partition(df: Any, draft: Draft) -> str | None:
    stamps = [c for c in df.columns if _kind(df[c]) == "datetime"]
    if not stamps:
        draft.note("partition: no timestamp column -> whole-table suite (every run reads all rows)")
        return None
    named = [c for c in stamps if PARTITION_NAME.search(c.lower())]
    choice = (named or stamps)[0]
    why = "its name looks like a timestamp" if named else "the first timestamp column"
    draft.note(
        f"partition: {choice} ({why}); naive values assumed UTC: set "
        "Partition(column_timezone=...) and Suite(timezone=...) if not"
    )
    return choice


def _field(name: str, kind: str, nullable: bool) -> str:
    types = {"int": "int", "float": "float", "bool": "bool", "str": "str"}
    types["datetime"] = "pa.DateTime"
    typ = "float" if kind == "int" and nullable else types[kind]  # NULLs read as NaN
    args = "nullable=True" if nullable else ""
    return f"    {name}: Series[{typ}] = pa.Field({args})"


def _numeric_checks(name: str, lo: float, hi: float, draft: Draft, whole: bool) -> None:
    span = hi - lo
    pad = MARGIN * span if span else max(abs(hi) * 0.01, 1.0)  # a constant: +-1%, at least 1
    low, high = lo - pad, hi + pad
    if lo >= 0:
        low = max(0.0, low)
    low, high = _nice(low, up=False), _nice(high, up=True)
    if whole:  # an integer column gets integer bounds
        low, high = math.floor(low), math.ceil(high)
    draft.checks.append(f'Range("{name}", min={low!r}, max={high!r})')
    draft.note(f"range {name}: observed {lo:g}..{hi:g} over all rows, widened: {low}..{high}")


def _null_check(name: str, worst: float, draft: Draft, per: str) -> None:
    allowed = min(1.0, math.ceil((worst * 1.5 + 0.01) * 100) / 100)
    draft.checks.append(f'NullRate("{name}", max_fraction={allowed})')
    draft.note(
        f"nulls {name}: worst {per} null rate {worst:.4f}: max_fraction {allowed} (x1.5 + 0.01)"
    )


def _per_day(df: Any, partition: str | None, truncated: bool) -> list[Any]:
    """The sample per partition day; a truncated sample's last day may be partial: dropped."""
    if partition is None:
        return [df]
    days = df[partition].dt.floor("D")
    groups = [group for _, group in df.groupby(days)]
    return groups[:-1] if truncated and len(groups) > 1 else groups


def infer(
    df: Any, draft: Draft, bounds: dict[str, tuple[float, float]], truncated: bool = False
) -> Draft:
    """Fill ``draft`` from the sample ``df``; ``bounds``: whole-table (min, max) per column;
    ``truncated``: the sample is not the whole data."""
    draft.partition = _partition(df, draft)
    if draft.partition:
        draft.start_date = df[draft.partition].min().date().isoformat()
        draft.note(f"start_date: {draft.start_date}, the first day in the sample")
    groups = _per_day(df, draft.partition, truncated)
    per = "per-day" if draft.partition else "sample"
    for name in df.columns:
        if not IDENT.match(str(name)):
            draft.note(f"column {name!r}: not a Python identifier, left out of the model")
            continue
        series, kind = df[name], _kind(df[name])
        nullable = bool(series.isna().any())
        draft.fields.append(_field(name, kind, nullable))
        draft.note(f"type {name}: {kind}{', nullable' if nullable else ', no NULL in the sample'}")
        if nullable:
            _null_check(name, max(float(g[name].isna().mean()) for g in groups), draft, per)
        if kind in ("int", "float") and series.notna().any():
            lo, hi = bounds.get(name, (float(series.min()), float(series.max())))
            _numeric_checks(name, float(lo), float(hi), draft, kind == "int")
        if kind in ("int", "str") and not nullable and KEY_NAME.search(name.lower()):
            if series.is_unique:
                draft.checks.append(f'Unique(("{name}",))')
                draft.note(f"key {name}: named like a key, no NULL, no duplicate in the sample")
    smallest = min(len(g) for g in groups)
    floor = max(1, smallest // 2)
    draft.checks.insert(0, f"RowCount(min_rows={floor})")
    draft.note(f"row count: smallest {per} count {smallest} -> min_rows {floor} (half of it)")
    return draft
